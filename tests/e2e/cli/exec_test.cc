#include <gtest/gtest.h>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_yaml.h"
#include "tests/support/command.h"

// `podkeeper exec` against a running agent: output, exit codes, stdin, -c, errors.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

const char* kTwoContainers = R"(apiVersion: v1
kind: Pod
metadata: {name: two, uid: two-uid}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: first, image: busybox, command: [sh, -c, "while true; do sleep 1; done"],
     env: [{name: WHO, value: first}]}
  - {name: second, image: busybox, command: [sh, -c, "while true; do sleep 1; done"],
     env: [{name: WHO, value: second}]}
)";

class Exec : public ::testing::Test {
 protected:
  void SetUp() override { agent.start(); }

  // stdinText is piped into the command; "" leaves stdin at /dev/null.
  support::CommandResult exec(const std::string& args, const std::string& stdinText = "") {
    std::string cmd = std::string(PK_AGENT_PATH) + " exec --socket " + agent.stateDir() +
                      "/podkeeper.sock " + args + " 2>&1";
    cmd = stdinText.empty() ? cmd + " </dev/null" : "printf '" + stdinText + "' | " + cmd;
    return support::runShell(cmd);
  }
  void startWeb() {
    agent.dropManifest("web.yaml", PodYaml{}.str());
    ASSERT_TRUE(waitFor([&] { return exec("web -- true").exitCode == 0; }, 15s))
        << exec("web -- true").output << agent.agentLog();
  }

  AgentHarness agent;
};

TEST_F(Exec, RunsInTheContainerAndPassesOutputAndExitCodeThrough) {
  startWeb();
  auto r = exec("web -- sh -c 'hostname; echo to-stderr >&2; exit 3'");
  EXPECT_EQ(r.exitCode, 3) << r.output;
  EXPECT_EQ(r.output, "web\nto-stderr\n");
  EXPECT_EQ(exec("web -- sh -c 'kill -9 $$'").exitCode, 137);
}

TEST_F(Exec, PassesStdinThrough) {
  startWeb();
  auto r = exec("web -- cat", "first line\\nsecond line\\n");
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.output, "first line\nsecond line\n");
}

TEST_F(Exec, MissingCommandIs127) {
  startWeb();
  auto r = exec("web -- no-such-command");
  EXPECT_EQ(r.exitCode, 127);
  EXPECT_NE(r.output.find("\"no-such-command\": executable file not found in $PATH"),
            std::string::npos)
      << r.output;
}

TEST_F(Exec, ContainerIsChosenWithDashCOrDefaultsToTheFirstWithKubectlsNote) {
  agent.dropManifest("two.yaml", kTwoContainers);
  ASSERT_TRUE(waitFor([&] { return exec("two -c second -- true").exitCode == 0; }, 15s))
      << agent.agentLog();
  EXPECT_EQ(exec("two -c second -- sh -c 'echo $WHO'").output, "second\n");
  auto r = exec("two -- sh -c 'echo $WHO'");
  EXPECT_EQ(r.output, "Defaulted container \"first\" out of: first, second\nfirst\n");
  auto wrong = exec("two -c third -- true");
  EXPECT_EQ(wrong.exitCode, 1);
  EXPECT_NE(wrong.output.find("container third is not valid for pod two"), std::string::npos)
      << wrong.output;
}

// The container's seccomp filter travels with the exec target: the command is filtered as
// the container is (issue 10, item 1: it used to run with Seccomp 0).
TEST_F(Exec, RunsUnderTheContainersSeccompFilter) {
  agent.dropManifest("sc.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: sc, uid: sc-uid}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "while true; do sleep 1; done"]
    securityContext: {seccompProfile: {type: RuntimeDefault}}
)");
  ASSERT_TRUE(waitFor([&] { return exec("sc -- true").exitCode == 0; }, 15s)) << agent.agentLog();
  auto r = exec("sc -- grep Seccomp: /proc/self/status");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(r.output, "Seccomp:\t2\n");
}

TEST_F(Exec, PodNotFoundOrContainerNotRunningIsAnErrorWithExitCode1) {
  auto missing = exec("nope -- true");
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_EQ(missing.output,
            "Error from server (NotFound): pods \"nope\" not found in namespace default\n");
  PodYaml done;
  done.restartPolicy = "Never";
  done.script = "exit 0";
  agent.dropManifest("web.yaml", done.str());
  support::CommandResult r;
  ASSERT_TRUE(waitFor(
      [&] {
        r = exec("web -- true");
        return r.output.find("is not running") != std::string::npos;
      },
      15s))
      << r.output;
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("container app in pod web is not running"), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::e2e
