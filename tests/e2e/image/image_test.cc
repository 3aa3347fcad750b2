#include <gtest/gtest.h>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"

// `podkeeper image import` of archives skopeo wrote from an image umoci built offline, then
// pods that name them and set no command.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

class ImageE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    built_ = new support::TempDir("pk-e2e-oci");
    const auto r =
        support::runShell("LAYERS=34 sh " PK_BUILD_OCI_SCRIPT " " + built_->path() + " 2>&1");
    ASSERT_EQ(r.exitCode, 0) << r.output;
  }
  static void TearDownTestSuite() { delete built_; }

  support::CommandResult image(const std::string& args) {
    return support::runShell(std::string(PK_AGENT_PATH) + " image " + args + " --image-dir " +
                             agent.imageDir() + " --state-dir " + agent.stateDir() + " 2>&1");
  }
  static std::string pod(const std::string& image, const std::string& extra = "") {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  uid: e2e-image-1\nspec:\n"
           "  terminationGracePeriodSeconds: 3\n  containers:\n  - name: app\n    image: " +
           image + "\n" + extra;
  }
  std::string log() const {
    return readFile(agent.logFile("default", "web", "e2e-image-1", "app", 0));
  }

  static support::TempDir* built_;
  AgentHarness agent;
};
support::TempDir* ImageE2e::built_ = nullptr;

TEST_F(ImageE2e, AnImportedImageRunsWithItsEntrypointCmdEnvAndWorkingDir) {
  auto r = image("import " + built_->path() + "/busybox.oci.tar");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("Imported docker.io/library/busybox:oci"), std::string::npos) << r.output;
  agent.start();
  agent.dropManifest("web.yaml", pod("busybox:oci"));
  ASSERT_TRUE(waitFor(
      [&] { return log().find("cmd ran in /work with from-image") != std::string::npos; }, 30s))
      << log() << agent.agentLog();
  const auto ls = image("ls");
  EXPECT_NE(ls.output.find("docker.io/library/busybox:oci"), std::string::npos) << ls.output;
  EXPECT_NE(ls.output.find("yes"), std::string::npos) << ls.output;
  const auto rm = image("rm busybox:oci");
  EXPECT_NE(rm.exitCode, 0);
  EXPECT_NE(rm.output.find("in use"), std::string::npos) << rm.output;
}

TEST_F(ImageE2e, ContainerEnvAndArgsOverrideTheImage) {
  ASSERT_EQ(image("import " + built_->path() + "/busybox.docker.tar").exitCode, 0);
  agent.start();
  agent.dropManifest("web.yaml",
                     pod("busybox:docker",
                         "    args: [\"echo arg with $IMAGE_VAR in $(pwd); sleep 3600\"]\n"
                         "    env:\n    - {name: IMAGE_VAR, value: from-pod}\n"));
  ASSERT_TRUE(
      waitFor([&] { return log().find("arg with from-pod in /work") != std::string::npos; }, 30s))
      << log() << agent.agentLog();
}

TEST_F(ImageE2e, AnImageOfThirtyFiveLayersRuns) {
  ASSERT_EQ(image("import " + built_->path() + "/busybox-many.oci.tar").exitCode, 0);
  const auto inspect = image("inspect busybox:many");
  EXPECT_NE(inspect.output.find("layer"), std::string::npos);
  agent.start();
  agent.dropManifest(
      "web.yaml", pod("busybox:many",
                      "    command: [\"sh\", \"-c\", \"cat /layer-1 /layer-34; sleep 3600\"]\n"));
  ASSERT_TRUE(waitFor([&] { return log().find("layer 34") != std::string::npos; }, 30s))
      << log() << agent.agentLog();
  EXPECT_NE(log().find("layer 1\n"), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::e2e
