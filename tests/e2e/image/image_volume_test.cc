#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_registry.h"

// Image volumes (volumes[].image): an image only in a registry the test starts, pulled by the
// agent and mounted into a container read-only and noexec. (A subPath into an image of several
// layers fails today: open_tree of a directory below the detached overlay gives EINVAL.)
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

class ImageVolumeE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two layers: busybox with /etc/extra, and one on top that adds /data/top, so the volume is
    // an overlay of both.
    const std::string source =
        support::buildBusyboxOci(built_.file("layout"), "1", {}, "from-the-volume-image");
    const std::string layer = built_.file("top");
    const auto r = support::runShell("mkdir -p " + layer + "/data && echo top-layer > " + layer +
                                     "/data/top && cd " + layer +
                                     " && tar --numeric-owner -cf ../top.tar data && umoci raw "
                                     "add-layer --image " +
                                     built_.file("layout") + ":1 ../top.tar 2>&1");
    ASSERT_EQ(r.exitCode, 0) << r.output;
    registry_.push(source, "team/vol:1");
    agent.start({"--insecure-registry", registry_.host()});
  }
  std::string log() const {
    return readFile(agent.logFile("default", "imgvol", "imgvol-uid", "app", 0));
  }

  support::TempDir built_{"pk-e2e-imgvol"};
  support::TestRegistry registry_{built_.file("registry")};
  AgentHarness agent;
};

TEST_F(ImageVolumeE2e, TheImageIsPulledAndMountedReadOnlyAndNoexec) {
  agent.dropManifest(
      "imgvol.yaml",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: imgvol, uid: imgvol-uid}\nspec:\n"
      "  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n    image: busybox\n"
      "    command: [\"sh\", \"-c\", \"cat /img/etc/extra; echo; cat /img/data/top; "
      "if touch /img/x 2>/dev/null; then echo writable; else echo read-only; fi; "
      "if /img/bin/busybox true 2>/dev/null; then echo exec-ran; else echo exec-refused; fi; "
      "echo done; sleep 1h\"]\n"
      "    volumeMounts:\n    - {name: vol, mountPath: /img}\n"
      "  volumes:\n  - name: vol\n    image: {reference: " +
          registry_.host() + "/team/vol:1, pullPolicy: IfNotPresent}\n");
  ASSERT_TRUE(waitFor([&] { return log().find("done") != std::string::npos; }, 60s))
      << log() << agent.agentLog();
  const std::string out = log();
  EXPECT_NE(out.find(" F from-the-volume-image\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" F top-layer\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" F read-only\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" F exec-refused\n"), std::string::npos) << out;
  const auto events = agent.get("/pods/default/imgvol/events");
  EXPECT_NE(events.body.find("Successfully pulled image"), std::string::npos) << events.body;
}

TEST_F(ImageVolumeE2e, AMissingImageWithPullPolicyNeverKeepsTheContainerWaiting) {
  agent.dropManifest("imgvol.yaml",
                     "apiVersion: v1\nkind: Pod\nmetadata: {name: imgvol, uid: imgvol-uid}\nspec:\n"
                     "  containers:\n  - name: app\n    image: busybox\n    command: [sleep, 1h]\n"
                     "    volumeMounts: [{name: vol, mountPath: /img}]\n"
                     "  volumes:\n  - name: vol\n    image: {reference: " +
                         registry_.host() + "/team/vol:1, pullPolicy: Never}\n");
  ASSERT_TRUE(waitFor(
      [&] {
        return agent.get("/pods/default/imgvol").body.find("ErrImageNeverPull") !=
               std::string::npos;
      },
      30s))
      << agent.get("/pods/default/imgvol").body << agent.agentLog();
  EXPECT_FALSE(exists(agent.logFile("default", "imgvol", "imgvol-uid", "app", 0)));
}

}  // namespace
}  // namespace podkeeper::e2e
