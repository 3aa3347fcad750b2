#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_registry.h"

// Pods whose image is only in a registry (docker-registry on a free loopback port, the image
// built offline and pushed with skopeo): the agent pulls it and the pod runs; `Never` waits.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

class PullE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto r = support::runShell("sh " PK_BUILD_OCI_SCRIPT " " + built_.path() + " 2>&1");
    ASSERT_EQ(r.exitCode, 0) << r.output;
    registry_.push("oci:" + built_.path() + "/layout:busybox", "team/bb:1");
  }
  static std::string pod(const std::string& image, const std::string& extra = "") {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  uid: e2e-pull-1\nspec:\n"
           "  terminationGracePeriodSeconds: 3\n  containers:\n  - name: app\n    image: " +
           image + "\n" + extra;
  }
  std::string log() const {
    return readFile(agent.logFile("default", "web", "e2e-pull-1", "app", 0));
  }

  support::TempDir built_{"pk-e2e-pull"};
  support::TestRegistry registry_{built_.file("registry")};
  AgentHarness agent;
};

TEST_F(PullE2e, APodWhoseImageIsOnlyInTheRegistryIsPulledAndRuns) {
  agent.start({"--insecure-registry", registry_.host()});
  agent.dropManifest("web.yaml", pod(registry_.host() + "/team/bb:1"));
  ASSERT_TRUE(waitFor(
      [&] { return log().find("cmd ran in /work with from-image") != std::string::npos; }, 60s))
      << log() << agent.agentLog();
  const auto events = agent.get("/pods/default/web/events");
  EXPECT_NE(events.body.find("Successfully pulled image"), std::string::npos) << events.body;
  const auto metrics = agent.get("/metrics");
  EXPECT_NE(metrics.body.find("podkeeper_image_pull_duration_seconds_count 1"), std::string::npos);
  // imageID as containerd's CRI reports it: the repository and the digest pulled, no tag.
  const auto pod = nlohmann::json::parse(agent.get("/pods/default/web").body);
  const std::string id = pod["status"]["containerStatuses"][0]["imageID"];
  const std::string prefix = registry_.host() + "/team/bb@sha256:";
  ASSERT_EQ(id.substr(0, prefix.size()), prefix) << id;
  EXPECT_EQ(id.size(), prefix.size() + 64) << id;
}

TEST_F(PullE2e, NeverWithoutTheImageWaitsWithErrImageNeverPull) {
  agent.start({"--insecure-registry", registry_.host()});
  agent.dropManifest("web.yaml",
                     pod(registry_.host() + "/team/bb:1", "    imagePullPolicy: Never\n"));
  ASSERT_TRUE(waitFor(
      [&] {
        return agent.get("/pods/default/web").body.find("ErrImageNeverPull") != std::string::npos;
      },
      30s))
      << agent.get("/pods/default/web").body << agent.agentLog();
  EXPECT_EQ(agent.agentLog().find("pulling"), std::string::npos);
}

TEST_F(PullE2e, AnUnknownTagIsErrImagePullWithTheRegistrysWords) {
  agent.start({"--insecure-registry", registry_.host()});
  agent.dropManifest("web.yaml", pod(registry_.host() + "/team/bb:nope"));
  ASSERT_TRUE(waitFor(
      [&] {
        return agent.get("/pods/default/web/events").body.find("manifest unknown") !=
               std::string::npos;
      },
      30s))
      << agent.agentLog();
  ASSERT_TRUE(waitFor(
      [&] {
        const auto body = agent.get("/pods/default/web").body;
        return body.find("ErrImagePull") != std::string::npos ||
               body.find("ImagePullBackOff") != std::string::npos;
      },
      30s))
      << agent.get("/pods/default/web").body;
}

// A tag moved in the registry while a pod runs it: under Always every start pulls, so the
// container's next restart runs the new image; under IfNotPresent the image on the node stays.
class MovedTagE2e : public PullE2e {
 protected:
  // Runs the pod (its container prints /etc/extra and exits, so it restarts), moves the tag
  // once the first run has printed "one", and returns what the first run started after the
  // move printed.
  std::string runAcrossAMove(const std::string& policy) {
    registry_.push(support::buildBusyboxOci(built_.file("one"), "1", {}, "one"), "team/moved:1");
    agent.start({"--insecure-registry", registry_.host()});
    agent.dropManifest("web.yaml", pod(registry_.host() + "/team/moved:1",
                                       "    imagePullPolicy: " + policy +
                                           "\n    command: [sh, -c, 'cat /etc/extra; sleep 1']\n"));
    const auto attempt = [&](int n) {
      return readFile(agent.logFile("default", "web", "e2e-pull-1", "app", n));
    };
    if (!waitFor([&] { return attempt(0).find("one") != std::string::npos; }, 60s))
      return "first run never printed: " + attempt(0) + agent.agentLog();
    registry_.push(support::buildBusyboxOci(built_.file("two"), "1", {}, "two"), "team/moved:1");
    int next = 1;
    while (!attempt(next).empty()) ++next;  // runs that began before the move finished
    if (!waitFor([&] { return !attempt(next).empty(); }, 60s))
      return "no restart after the move: " + agent.agentLog();
    return attempt(next);
  }
};

TEST_F(MovedTagE2e, AlwaysRunsTheMovedTagAtTheNextRestart) {
  const std::string out = runAcrossAMove("Always");
  EXPECT_NE(out.find("two"), std::string::npos) << out;
  const auto events = agent.get("/pods/default/web/events").body;
  EXPECT_NE(events.find("Successfully pulled image"), std::string::npos) << events;
}

TEST_F(MovedTagE2e, IfNotPresentKeepsTheImageOnTheNode) {
  const std::string out = runAcrossAMove("IfNotPresent");
  EXPECT_NE(out.find("one"), std::string::npos) << out;
  EXPECT_EQ(out.find("two"), std::string::npos) << out;
}

}  // namespace
}  // namespace podkeeper::e2e
