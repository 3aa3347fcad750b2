#include "agent/api/pod_api.h"

#include <gtest/gtest.h>

#include "agent/api/api_response.h"
#include "manifests/identity.h"
#include "reconciler/reconciler.h"
#include "tests/support/fake_image_service.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/test_pods.h"

namespace podkeeper::api {
namespace {

using nlohmann::json;
using reconciler::testing::container;
constexpr int64_t kSec = podkeeper::kNsPerSec;

class PodApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reconciler::NodePaths paths;
    paths.logDir = "/var/log/pods";
    paths.cgroupRoot = "pk";
    reconciler_ = std::make_unique<reconciler::Reconciler>(runtime_, images_, clock_, paths);
    addPodRoutes(router_, *reconciler_,
                 {"192.0.2.10", "node1", "/var/log/pods", [this] { return clock_.now; }, true, {}});
  }

  void run(std::vector<manifests::DecodedPod> pods) {
    std::map<std::string, manifests::DecodedPod> m;
    for (auto& p : pods) m[manifests::podKey(p.pod.metadata.namespace_, p.pod.metadata.name)] = p;
    reconciler_->setDesired(std::move(m));
    runtime_.nowNs = clock_.now;
    for (const auto& key : reconciler_->keys()) (void)reconciler_->reconcile(key);
  }
  http::HttpResponse get(const std::string& target) {
    http::HttpRequest r;
    r.method = "GET";
    r.target = target;
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    return router_.handle(r);
  }
  json getJson(const std::string& target, int status = 200) {
    auto r = get(target);
    EXPECT_EQ(r.status, status) << r.body;
    return json::parse(r.body);
  }

  reconciler::testing::FakeRuntime runtime_;
  reconciler::testing::FakeImageService images_;
  reconciler::testing::FakeClock clock_;
  std::unique_ptr<reconciler::Reconciler> reconciler_;
  http::Router router_;
};

TEST_F(PodApiTest, PodListHoldsEveryPodWithSpecUidAndStatus) {
  run({reconciler::testing::pod("web", {container("app")}),
       reconciler::testing::pod("db", {container("pg")})});
  json list = getJson("/pods");
  EXPECT_EQ(list["kind"], "PodList");
  ASSERT_EQ(list["items"].size(), 2u);
  const json& db = list["items"][0];
  EXPECT_EQ(db["metadata"]["name"], "db");
  EXPECT_EQ(db["metadata"]["uid"], "uid-db");
  EXPECT_EQ(db["spec"]["containers"][0]["image"], "busybox");
  EXPECT_EQ(db["spec"]["nodeName"], "node1");
  EXPECT_EQ(db["status"]["phase"], "Running");
  EXPECT_EQ(db["status"]["hostIP"], "192.0.2.10");
}

TEST_F(PodApiTest, OnePodByNamespaceAndName) {
  run({reconciler::testing::pod("web", {container("app")})});
  json pod = getJson("/pods/default/web");
  EXPECT_EQ(pod["kind"], "Pod");
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"].begin().key(), "running");
}

TEST_F(PodApiTest, UnknownPodIsAKubernetesNotFoundStatus) {
  json status = getJson("/pods/default/nope", 404);
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["reason"], "NotFound");
  EXPECT_EQ(status["code"], 404);
}

TEST_F(PodApiTest, MissingImageShowsAsErrImageNeverPull) {
  auto p = reconciler::testing::pod("web", {container("app")});
  p.pod.spec.containers[0].image = "nginx:1.25";
  run({p});
  json pod = getJson("/pods/default/web");
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
            "ErrImageNeverPull");
  EXPECT_EQ(pod["status"]["phase"], "Pending");
}

TEST_F(PodApiTest, EventsAreAnEventListAboutThePodsContainers) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  pod.pod.spec.dnsPolicy = "Default";  // no MissingClusterDNS event: only the container's
  run({pod});
  json events = getJson("/pods/default/web/events");
  EXPECT_EQ(events["kind"], "EventList");
  ASSERT_EQ(events["items"].size(), 2u);
  const json& created = events["items"][0];
  EXPECT_EQ(created["reason"], "Created");
  EXPECT_EQ(created["type"], "Normal");
  EXPECT_EQ(created["count"], 1);
  EXPECT_EQ(created["firstTimestamp"], "1970-01-01T00:16:40Z");
  EXPECT_EQ(created["involvedObject"]["kind"], "Pod");
  EXPECT_EQ(created["involvedObject"]["uid"], "uid-web");
  EXPECT_EQ(created["involvedObject"]["fieldPath"], "spec.containers{app}");
}

TEST_F(PodApiTest, LogPathNamesTheCurrentInstancesCriFile) {
  run({reconciler::testing::pod("web", {container("app")})});
  json loc = getJson("/pods/default/web/logpath");
  EXPECT_EQ(loc["path"], "/var/log/pods/default_web_uid-web/app/0.log");
  EXPECT_EQ(loc["restartCount"], 0);
  EXPECT_TRUE(loc["running"].get<bool>());
}

TEST_F(PodApiTest, PreviousLogPathIsTheInstanceBeforeARestart) {
  run({reconciler::testing::pod("web", {container("app")})});
  runtime_.exitContainer("uid-web", "app", 1);
  clock_.now += 60 * kSec;
  run({reconciler::testing::pod("web", {container("app")})});
  json loc = getJson("/pods/default/web/logpath?container=app&previous=true");
  EXPECT_EQ(loc["path"], "/var/log/pods/default_web_uid-web/app/0.log");
  EXPECT_EQ(getJson("/pods/default/web/logpath")["path"],
            "/var/log/pods/default_web_uid-web/app/1.log");
}

TEST_F(PodApiTest, PreviousLogOfAFirstInstanceIsABadRequestInKubectlsWords) {
  run({reconciler::testing::pod("web", {container("app")})});
  json status = getJson("/pods/default/web/logpath?previous=true", 400);
  EXPECT_EQ(status["message"], "previous terminated container \"app\" in pod \"web\" not found");
}

TEST_F(PodApiTest, LogPathOfAMultiContainerPodNeedsAContainerName) {
  run({reconciler::testing::pod("web", {container("app"), container("side")})});
  json status = getJson("/pods/default/web/logpath", 400);
  EXPECT_EQ(status["message"],
            "a container name must be specified for pod web, choose one of: [app side]");
}

TEST_F(PodApiTest, LogPathsAreNotServedWhenNotEnabled) {
  http::Router tcp;
  addPodRoutes(tcp, *reconciler_, {"192.0.2.10", "", "/var/log/pods", {}, false, {}});
  run({reconciler::testing::pod("web", {container("app")})});
  http::HttpRequest r;
  r.method = "GET";
  r.path = r.target = "/pods/default/web/logpath";
  EXPECT_EQ(tcp.handle(r).status, 404);
}

TEST_F(PodApiTest, PodWhoseManifestIsGoneIsListedWhileItStops) {
  runtime_.containersHandleSigterm = false;
  run({reconciler::testing::pod("web", {container("app")})});
  run({});
  json pod = getJson("/pods/default/web");
  EXPECT_TRUE(pod["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(pod["spec"]["containers"][0]["name"], "app");
}

TEST_F(PodApiTest, MutationsAreNotRouted) {
  http::HttpRequest r;
  r.method = "DELETE";
  r.path = r.target = "/pods/default/web";
  EXPECT_EQ(router_.handle(r).status, 405);
}

TEST_F(PodApiTest, ProbeReadinessFromTheHookMakesAContainerNotReady) {
  http::Router withProbes;
  PodApiOptions options{"192.0.2.10", "", "/var/log/pods", {}, false, {}};
  options.probes = [](const std::string& uid) {
    return uid == "uid-web" ? std::optional(status::ProbeStatus{{{"app", false}}, {}, {}})
                            : std::nullopt;
  };
  addPodRoutes(withProbes, *reconciler_, options);
  run({reconciler::testing::pod("web", {container("app")})});
  http::HttpRequest r;
  r.method = "GET";
  r.path = r.target = "/pods/default/web";
  json pod = json::parse(withProbes.handle(r).body);
  EXPECT_FALSE(pod["status"]["containerStatuses"][0]["ready"].get<bool>());
  EXPECT_EQ(getJson("/pods/default/web")["status"]["containerStatuses"][0]["ready"], true);
}

TEST(ParseQuery, DecodesPercentEscapesAndPlus) {
  auto q = parseQuery("container=my%2Dapp&previous=true&x=a+b&flag");
  EXPECT_EQ(q["container"], "my-app");
  EXPECT_EQ(q["previous"], "true");
  EXPECT_EQ(q["x"], "a b");
  EXPECT_TRUE(q.contains("flag"));
}

}  // namespace
}  // namespace podkeeper::api
