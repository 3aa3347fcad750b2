#include <gtest/gtest.h>

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

}  // namespace
}  // namespace podkeeper::e2e
