#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"

// Probes and lifecycle hooks through the real agent: busybox containers, the HTTP API.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

std::string manifest(const std::string& name, const std::string& containerYaml,
                     const std::string& extraSpec = "", int grace = 1) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", uid: " + name +
         "-uid}\nspec:\n  terminationGracePeriodSeconds: " + std::to_string(grace) + "\n" +
         extraSpec + "  containers:\n" + containerYaml;
}

class Probes : public ::testing::Test {
 protected:
  void SetUp() override { agent.start(); }

  json pod(const std::string& name) { return podJson(agent, name); }
  json container(const std::string& name) {
    json p = pod(name);
    // Not known yet (the manifest is read off the loop) or not started: nothing to look at.
    if (!p.is_object() || !p["status"].contains("containerStatuses")) return json::object();
    return p["status"]["containerStatuses"][0];
  }
  std::string condition(const std::string& name, const std::string& type) {
    json p = pod(name);
    if (!p.is_object()) return "";
    for (const auto& c : p["status"]["conditions"])
      if (c["type"] == type) return c["status"].get<std::string>();
    return "";
  }
  // "Reason: message" of every event of the pod, oldest first.
  std::vector<std::string> events(const std::string& name) {
    std::vector<std::string> out;
    auto r = agent.get("/pods/default/" + name + "/events");
    if (r.status != 200) return out;
    const json list = json::parse(r.body, nullptr, false);
    if (!list.is_object()) return out;
    for (const auto& e : list["items"])
      out.push_back(e["reason"].get<std::string>() + ": " + e["message"].get<std::string>());
    return out;
  }
  // A pod whose app waits (5 s at most) for /tmp/hook, which its postStart hook writes with
  // `hookCommand`, then runs `app`. The app's command is expanded ($$ for a $), the hook's not.
  static std::string hookedManifest(const std::string& name, const std::string& app,
                                    const std::string& hookCommand) {
    return manifest(name, R"(  - name: app
    image: busybox
    command: [sh, -c, "i=0; while [ ! -f /tmp/hook ] && [ $$i -lt 50 ]; do sleep 0.1; i=$$((i+1)); done; )" +
                              app + R"(; sleep 3600"]
    lifecycle:
      postStart:
        exec: {command: [sh, -c, ")" +
                              hookCommand + R"("]}
)");
  }
  static size_t find(const std::vector<std::string>& events, const std::string& prefix) {
    for (size_t i = 0; i < events.size(); ++i)
      if (events[i].rfind(prefix, 0) == 0) return i;
    return SIZE_MAX;
  }
  std::string debug(const std::string& name) {
    std::string all;
    for (const auto& e : events(name)) all += e + "\n";
    return all + pod(name).dump() + "\n" + agent.agentLog();
  }

  AgentHarness agent;
};

TEST_F(Probes, FailingLivenessExecProbeRestartsTheContainer) {
  agent.dropManifest("live.yaml", manifest("live", R"(  - name: app
    image: busybox
    command: [sh, -c, "touch /tmp/alive; sleep 2; rm /tmp/alive; sleep 3600"]
    livenessProbe:
      exec: {command: [cat, /tmp/alive]}
      periodSeconds: 1
      failureThreshold: 2
)"));
  ASSERT_TRUE(waitFor([&] { return container("live").value("restartCount", 0) >= 1; }, 15s))
      << debug("live");
  auto all = events("live");
  const size_t unhealthy =
      find(all, "Unhealthy: Liveness probe failed: cat: can't open '/tmp/alive'");
  const size_t killing =
      find(all, "Killing: Container app failed liveness probe, will be restarted");
  ASSERT_NE(unhealthy, SIZE_MAX) << debug("live");
  ASSERT_NE(killing, SIZE_MAX) << debug("live");
  EXPECT_LT(unhealthy, killing);
  EXPECT_NE(
      agent.get("/metrics")
          .body.find(
              "podkeeper_probe_results_total{container=\"app\",namespace=\"default\",pod=\"live\","
              "probe_type=\"liveness\",result=\"failure\"}"),
      std::string::npos)
      << agent.get("/metrics").body;
}

TEST_F(Probes, ReadinessHttpGetProbeFlipsReadyTrueThenFalse) {
  // The test tells the container to stop serving through a host directory.
  const std::string ctl = "/tmp/pk-e2e-ready-" + std::to_string(::getpid());
  fs::remove_all(ctl);
  fs::create_directories(ctl);
  agent.dropManifest("ready.yaml",
                     manifest("ready", R"(  - name: app
    image: busybox
    command: [sh, -c, "mkdir -p /www; echo ok > /www/healthz; httpd -p 8080 -h /www; while [ ! -f /ctl/down ]; do sleep 0.2; done; rm /www/healthz; sleep 3600"]
    ports: [{name: http, containerPort: 8080}]
    volumeMounts: [{name: ctl, mountPath: /ctl}]
    readinessProbe:
      httpGet: {path: /healthz, port: http}
      periodSeconds: 1
      failureThreshold: 1
)",
                              "  volumes: [{name: ctl, hostPath: {path: " + ctl + "}}]\n"));
  ASSERT_TRUE(waitFor([&] { return condition("ready", "Ready") == "True"; }, 10s))
      << debug("ready");
  EXPECT_EQ(condition("ready", "ContainersReady"), "True");
  EXPECT_TRUE(container("ready")["ready"].get<bool>());
  { std::ofstream(ctl + "/down") << "down\n"; }
  ASSERT_TRUE(waitFor([&] { return condition("ready", "Ready") == "False"; }, 8s))
      << debug("ready");
  EXPECT_FALSE(container("ready")["ready"].get<bool>());
  EXPECT_EQ(container("ready").value("restartCount", -1), 0);  // readiness restarts nothing
  EXPECT_NE(find(events("ready"),
                 "Unhealthy: Readiness probe failed: HTTP probe failed with "
                 "statuscode: 404"),
            SIZE_MAX)
      << debug("ready");
  fs::remove_all(ctl);
}

TEST_F(Probes, TcpSocketReadinessProbeWaitsForThePortToListen) {
  agent.dropManifest("tcp.yaml", manifest("tcp", R"(  - name: app
    image: busybox
    command: [sh, -c, "sleep 2; exec httpd -f -p 7000 -h /"]
    readinessProbe:
      tcpSocket: {port: 7000}
      periodSeconds: 1
)"));
  ASSERT_TRUE(waitFor([&] { return condition("tcp", "Ready") == "True"; }, 10s)) << debug("tcp");
  EXPECT_NE(find(events("tcp"),
                 "Unhealthy: Readiness probe failed: dial tcp 127.0.0.1:7000: connect: Connection "
                 "refused"),
            SIZE_MAX)
      << debug("tcp");
}

TEST_F(Probes, PostStartHookWritesAFileTheMainCommandSees) {
  agent.dropManifest("hook.yaml", hookedManifest("hook", "cat /tmp/hook",
                                                 "echo written-by-poststart > /tmp/hook"));
  const std::string log = agent.logFile("default", "hook", "hook-uid", "app", 0);
  ASSERT_TRUE(
      waitFor([&] { return readFile(log).find("written-by-poststart") != std::string::npos; }, 10s))
      << readFile(log) << debug("hook");
}

// The agent's loop thread runs five nice levels above the rest of it (common/
// thread_priority.h); its workers, a container and a hook's command forked from the loop run
// at the agent's own nice.
TEST_F(Probes, OnlyTheLoopThreadIsRaisedNotAContainerOrItsHook) {
  const int base = ::getpriority(PRIO_PROCESS, 0);  // the agent's, inherited from this test
  auto niceOf = [](const std::string& stat) {       // field 19, counted after the ")" of comm
    std::istringstream in(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 19 && in >> field; ++i) {
    }
    return std::stoi(field);
  };
  const std::string tasks = "/proc/" + std::to_string(agent.agentPid()) + "/task";
  int raised = 0, others = 0;
  for (const auto& t : fs::directory_iterator(tasks)) {
    const int nice = niceOf(readFile(t.path().string() + "/stat"));
    if (t.path().filename() == std::to_string(agent.agentPid())) {
      EXPECT_EQ(nice, std::max(base - 5, -20)) << "the loop thread";
      ++raised;
    } else {
      EXPECT_EQ(nice, base) << "thread " << t.path().filename();
      ++others;
    }
  }
  EXPECT_EQ(raised, 1);
  EXPECT_GT(others, 0);
  agent.dropManifest(
      "nice.yaml",
      hookedManifest("nice",
                     "echo app=$$(awk '{print $$19}' /proc/self/stat) hook=$$(cat /tmp/hook)",
                     "awk '{print $19}' /proc/self/stat > /tmp/hook"));
  const std::string log = agent.logFile("default", "nice", "nice-uid", "app", 0);
  const std::string want = "app=" + std::to_string(base) + " hook=" + std::to_string(base);
  ASSERT_TRUE(waitFor([&] { return readFile(log).find("hook=") != std::string::npos; }, 10s))
      << readFile(log) << debug("nice");
  EXPECT_NE(readFile(log).find(want), std::string::npos) << readFile(log);
}

TEST_F(Probes, FailingPostStartHookKillsTheContainerWhichRestarts) {
  agent.dropManifest("badhook.yaml", manifest("badhook", R"(  - name: app
    image: busybox
    command: [sleep, "3600"]
    lifecycle:
      postStart:
        exec: {command: [sh, -c, "echo no luck; exit 1"]}
)"));
  ASSERT_TRUE(waitFor([&] { return container("badhook").value("restartCount", 0) >= 1; }, 15s))
      << debug("badhook");
  auto all = events("badhook");
  EXPECT_NE(find(all, "FailedPostStartHook: PostStartHook failed: no luck"), SIZE_MAX)
      << debug("badhook");
  EXPECT_NE(find(all, "Killing: FailedPostStartHook"), SIZE_MAX) << debug("badhook");
}

TEST_F(Probes, PreStopRunsBeforeSigtermWhenThePodIsDeleted) {
  const std::string out = "/tmp/pk-e2e-prestop-" + std::to_string(::getpid());
  fs::remove_all(out);
  fs::create_directories(out);
  agent.dropManifest("stop.yaml",
                     manifest("stop", R"(  - name: app
    image: busybox
    command: [sh, -c, "trap 'echo term >> /out/order; exit 0' TERM; echo up; while true; do sleep 1 & wait $$!; done"]
    volumeMounts: [{name: out, mountPath: /out}]
    lifecycle:
      preStop:
        exec: {command: [sh, -c, "sleep 1; echo prestop >> /out/order"]}
)",
                              "  volumes: [{name: out, hostPath: {path: " + out + "}}]\n", 5));
  const std::string log = agent.logFile("default", "stop", "stop-uid", "app", 0);
  ASSERT_TRUE(waitFor([&] { return readFile(log).find("up") != std::string::npos; }, 10s))
      << debug("stop");
  agent.removeManifest("stop.yaml");
  ASSERT_TRUE(waitFor([&] { return agent.get("/pods/default/stop").status == 404; }, 10s))
      << agent.agentLog();
  EXPECT_EQ(readFile(out + "/order"), "prestop\nterm\n") << agent.agentLog();
  fs::remove_all(out);
}

TEST_F(Probes, StartupProbeHoldsOffLivenessUntilItPasses) {
  agent.dropManifest("slow.yaml", manifest("slow", R"(  - name: app
    image: busybox
    command: [sh, -c, "sleep 3; touch /tmp/started; sleep 3600"]
    startupProbe:
      exec: {command: [test, -f, /tmp/started]}
      periodSeconds: 1
      failureThreshold: 10
    livenessProbe:
      exec: {command: [test, -f, /tmp/started]}
      periodSeconds: 1
      failureThreshold: 1
)"));
  ASSERT_TRUE(waitFor([&] { return container("slow")["state"].contains("running"); }, 10s))
      << debug("slow");
  EXPECT_FALSE(container("slow")["started"].get<bool>());
  ASSERT_TRUE(waitFor([&] { return container("slow").value("started", false); }, 10s))
      << debug("slow");
  EXPECT_EQ(container("slow")["restartCount"], 0);
  EXPECT_TRUE(container("slow")["ready"].get<bool>());
  auto all = events("slow");
  EXPECT_NE(find(all, "Unhealthy: Startup probe failed"), SIZE_MAX) << debug("slow");
  EXPECT_EQ(find(all, "Unhealthy: Liveness probe failed"), SIZE_MAX) << debug("slow");
}

}  // namespace
}  // namespace podkeeper::e2e
