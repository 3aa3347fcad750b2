#include <gtest/gtest.h>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/cli/attach_client.h"

// `podkeeper attach` through the real agent to a shim that owns the container's pty or stdin.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

const char* kShell = R"(apiVersion: v1
kind: Pod
metadata: {name: shell, uid: attach-shell-uid}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: sh, image: busybox, command: [sh], stdin: true, tty: true}
)";

const char* kStdinOnce = R"(apiVersion: v1
kind: Pod
metadata: {name: once, uid: attach-once-uid}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: reader
    image: busybox
    command: [sh, -c, 'read line; echo "got $line"; cat; echo saw-eof; sleep 3600']
    stdin: true
    stdinOnce: true
)";

class Attach : public ::testing::Test {
 protected:
  void SetUp() override { agent.start(); }

  std::vector<std::string> attachArgv(const std::string& pod) const {
    return {PK_AGENT_PATH, "attach", "--socket", agent.stateDir() + "/podkeeper.sock", pod};
  }
  void waitRunning(const std::string& pod) {
    ASSERT_TRUE(waitFor(
        [&] {
          return agent.get("/pods/default/" + pod).body.find("\"running\"") != std::string::npos;
        },
        20s))
        << agent.get("/pods/default/" + pod).body << agent.agentLog();
  }

  AgentHarness agent;
};

TEST_F(Attach, TtyShellAnswersResizesDetachesAndIsAttachedAgainAfterAnAgentRestart) {
  agent.dropManifest("shell.yaml", kShell);
  waitRunning("shell");
  {
    AttachClient cli(attachArgv("shell"), AttachClient::Stdio::Terminal, 30, 100);
    cli.type("MARK=same-shell; echo $((6*7))\r");
    ASSERT_TRUE(cli.waitForOutput("42", 10s)) << cli.output() << agent.agentLog();
    cli.type("stty size\r");
    EXPECT_TRUE(cli.waitForOutput("30 100", 10s)) << cli.output();
    cli.resize(40, 120);
    // The CLI sends the new size when it sees SIGWINCH; ask until the shell reports it.
    EXPECT_TRUE(waitFor(
        [&] {
          cli.type("stty size\r");
          return cli.waitForOutput("40 120", 500ms);
        },
        10s))
        << cli.output();
    cli.type("\x10\x11");  // ctrl-p ctrl-q
    EXPECT_EQ(cli.waitExit(10s), 0) << cli.output();
  }
  const auto log = agent.logFile("default", "shell", "attach-shell-uid", "sh", 0);
  EXPECT_NE(readFile(log).find(" stdout "), std::string::npos) << readFile(log);
  EXPECT_NE(readFile(log).find("42"), std::string::npos) << readFile(log);

  agent.stop();
  agent.start();
  waitRunning("shell");  // adopted, not restarted: the same shell, the shim's pty
  AttachClient again(attachArgv("shell"), AttachClient::Stdio::Terminal);
  again.type("echo $MARK-$((7*8))\r");
  EXPECT_TRUE(again.waitForOutput("same-shell-56", 10s)) << again.output() << agent.agentLog();
  again.type("\x10\x11");
  EXPECT_EQ(again.waitExit(10s), 0) << again.output();
}

TEST_F(Attach, StdinOnceClosesStdinWhenTheFirstAttachDetaches) {
  agent.dropManifest("once.yaml", kStdinOnce);
  waitRunning("once");
  AttachClient cli(attachArgv("once"), AttachClient::Stdio::Pipes);
  cli.type("hello\n");
  ASSERT_TRUE(cli.waitForOutput("got hello", 10s)) << cli.output() << agent.agentLog();
  cli.type("\x10\x11");
  EXPECT_EQ(cli.waitExit(10s), 0) << cli.output();
  // cat saw EOF: the shim closed the container's stdin when the attach ended.
  const auto log = agent.logFile("default", "once", "attach-once-uid", "reader", 0);
  EXPECT_TRUE(waitFor([&] { return readFile(log).find("saw-eof") != std::string::npos; }, 10s))
      << readFile(log);
}

TEST_F(Attach, StdinOnceClosesStdinWhenTheClientsStdinEnds) {
  agent.dropManifest("once.yaml", kStdinOnce);
  waitRunning("once");
  AttachClient cli(attachArgv("once"), AttachClient::Stdio::Pipes);
  cli.type("piped\nrest\n");
  cli.closeInput();  // `printf ... | podkeeper attach once`
  ASSERT_TRUE(cli.waitForOutput("got piped", 10s)) << cli.output() << agent.agentLog();
  EXPECT_TRUE(cli.waitForOutput("rest\nsaw-eof", 10s)) << cli.output();
}

TEST_F(Attach, WithoutStdinOnceStdinStaysOpenAcrossAttaches) {
  std::string yaml = kStdinOnce;
  yaml.replace(yaml.find("    stdinOnce: true\n"), 20, "");
  agent.dropManifest("once.yaml", yaml);
  waitRunning("once");
  {
    AttachClient cli(attachArgv("once"), AttachClient::Stdio::Pipes);
    cli.type("first\n");
    ASSERT_TRUE(cli.waitForOutput("got first", 10s)) << cli.output() << agent.agentLog();
    cli.type("\x10\x11");
    EXPECT_EQ(cli.waitExit(10s), 0) << cli.output();
  }
  AttachClient cli(attachArgv("once"), AttachClient::Stdio::Pipes);
  cli.type("second\n");
  EXPECT_TRUE(cli.waitForOutput("second", 10s)) << cli.output();  // cat echoes it
  const auto log = agent.logFile("default", "once", "attach-once-uid", "reader", 0);
  EXPECT_EQ(readFile(log).find("saw-eof"), std::string::npos) << readFile(log);
}

TEST_F(Attach, AnUnknownPodIsAnErrorWithExitCode1) {
  AttachClient cli(attachArgv("nope"), AttachClient::Stdio::Pipes);
  EXPECT_EQ(cli.waitExit(10s), 1);
  EXPECT_NE(cli.output().find("NotFound"), std::string::npos) << cli.output();
}

}  // namespace
}  // namespace podkeeper::e2e
