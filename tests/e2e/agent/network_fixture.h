#pragma once

// The fixture of the pod networking suites: each test has its own conf dir, bridge, range,
// host-local data dir and plugin dir, and reads what of its pods is left on the machine:
// veths on its bridge, address allocations, iptables rules, netns pins.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::e2e {

inline std::string netPodYaml(const std::string& name, const std::string& script,
                              int hostPort = 0) {
  std::string ports =
      hostPort ? "    ports: [{containerPort: 8080, hostPort: " + std::to_string(hostPort) + "}]\n"
               : "";
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  uid: net-" + name +
         "\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n"
         "    image: busybox\n    command: [\"sh\", \"-c\", \"" +
         script + "\"]\n" + ports;
}

class NetworkFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const int n = claimSlot();
    bridge_ = "pke" + std::to_string(n);
    subnet_ = "10.254." + std::to_string(n) + ".0/24";
    hostPort_ = 31000 + n;
    std::filesystem::create_directories(dir_.file("cni"));
    std::filesystem::create_directories(dir_.file("bin"));
    writeConfig(goodConfig());
  }
  void TearDown() override {
    for (const char* command : {"ADD", "DEL"})
      if (pid_t held = heldPlugin(command); held > 0) ::kill(held, SIGKILL);
    agent_.reset();  // the agent and its pods first
    support::runShell("ip link del " + bridge_ + " 2>/dev/null");
    if (!slotPath_.empty()) ::unlink(slotPath_.c_str());  // removed while still held
  }
  // ranges: host-local's "ranges" value; the test's IPv4 /24 when empty.
  std::string goodConfig(const std::string& firstPlugin = "bridge",
                         const std::string& ranges = "") const {
    const std::string r = ranges.empty() ? R"([[{"subnet":")" + subnet_ + R"("}]])" : ranges;
    return R"({"cniVersion":"1.0.0","name":"pk-e2e-)" + bridge_ + R"(","plugins":[
      {"type":")" +
           firstPlugin + R"(","bridge":")" + bridge_ + R"(","isGateway":true,
       "ipam":{"type":"host-local","ranges":)" +
           r + R"(,"dataDir":")" + dir_.file("ipam") + R"("}},
      {"type":"portmap","capabilities":{"portMappings":true},"snat":true}]})";
  }
  void writeConfig(const std::string& text) {
    std::ofstream(dir_.file("cni/10-test.conflist.tmp")) << text;
    std::filesystem::rename(dir_.file("cni/10-test.conflist.tmp"),
                            dir_.file("cni/10-test.conflist"));
  }
  // pk-gate, in the test's plugin dir: the bridge plugin, except that
  //  - ADD for the pod named "slow" hangs while the file "hang" exists;
  //  - once per file "gate-ADD" (after the bridge's ADD) or "gate-DEL" (before the bridge's
  //    DEL), it stops and waits, its pid in "held-ADD"/"held-DEL": the state a crash leaves.
  void installGatePlugin() {
    const std::string d = dir_.path();
    const std::string script =
        "#!/bin/sh\n"
        "d=" +
        d +
        "\n"
        "in=$(cat)\n"
        "case \"$CNI_COMMAND;$CNI_ARGS\" in ADD\\;*K8S_POD_NAME=slow\\;*)\n"
        "  [ -e $d/hang ] && exec sleep 1000;;\n"
        "esac\n"
        "hold() {\n"
        "  rm $d/gate-$CNI_COMMAND 2>/dev/null || return 0\n"
        "  echo $$ > $d/held.tmp; mv $d/held.tmp $d/held-$CNI_COMMAND; exec sleep 1000\n"
        "}\n"
        "[ \"$CNI_COMMAND\" = DEL ] && hold\n"
        "out=$(printf '%s' \"$in\" | /usr/lib/cni/bridge); rc=$?\n"
        "[ \"$CNI_COMMAND\" = ADD ] && hold\n"
        "printf '%s' \"$out\"\n"
        "exit $rc\n";
    std::ofstream(dir_.file("bin/pk-gate")) << script;
    std::filesystem::permissions(dir_.file("bin/pk-gate"), std::filesystem::perms::owner_all);
    writeConfig(goodConfig("pk-gate"));
  }
  // The pid a held pk-gate wrote, 0 until it is there.
  pid_t heldPlugin(const std::string& command) const {
    std::ifstream in(dir_.file("held-" + command));
    pid_t pid = 0;
    in >> pid;
    return pid;
  }
  void start(std::vector<std::string> flags = {}) {
    if (!agent_) agent_ = std::make_unique<AgentHarness>();
    flags.insert(flags.end(), {"--cni-conf-dir", dir_.file("cni"), "--cni-bin-dir",
                               dir_.file("bin") + ",/usr/lib/cni"});
    agent_->start(flags);
  }
  // kill -9 of the agent (its pods and plugins stay), reaped.
  void killAgent() {
    ::kill(agent_->agentPid(), SIGKILL);
    agent_->stop();
  }
  std::string podIP(const std::string& name) {
    auto pod = podJson(*agent_, name);
    if (!pod.is_object() || !pod["status"].contains("podIP")) return "";
    return pod["status"]["podIP"];
  }
  bool running(const std::string& name) {
    auto s = containerStatus(podJson(*agent_, name), "app");
    return s.is_object() && s["state"].contains("running");
  }
  bool gone(const std::string& name) { return !podJson(*agent_, name).is_object(); }
  // host-local's files: one per allocated address (IPv4 and IPv6).
  size_t allocations() const {
    size_t n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.file("ipam"), ec)) {
      const std::string f = e.path().filename();
      n += f.find_first_of(".:") != std::string::npos && f.rfind("last_reserved", 0) != 0;
    }
    return n;
  }
  size_t linksOnBridge() const {
    const std::string out =
        support::runShell("ip -o link show master " + bridge_ + " 2>/dev/null").output;
    return static_cast<size_t>(std::count(out.begin(), out.end(), '\n'));
  }
  // iptables rules (all tables, IPv4 and IPv6) naming a uid (portmap's comments do).
  // This test's network's rules only (its name is in each rule's comment): tests in other
  // slots run side by side with pods of the same uid.
  std::string rulesOf(const std::string& uid) const {
    return support::runShell("{ iptables-save; ip6tables-save; } 2>/dev/null | grep -- '" + uid +
                             "' | grep -F -- 'pk-e2e-" + bridge_ + "\\\"'")
        .output;
  }
  std::string natRulesOf(const std::string& uid) const {
    return support::runShell("iptables-save -t nat | grep -- '" + uid + "' | grep -F -- 'pk-e2e-" +
                             bridge_ + "\\\"'")
        .output;
  }
  // Pods with a state directory (and so possibly netns pins) left.
  size_t podDirs() const {
    size_t n = 0;
    std::error_code ec;
    for ([[maybe_unused]] const auto& e :
         std::filesystem::directory_iterator(agent_->stateDir() + "/pods", ec))
      ++n;
    return n;
  }
  std::string events(const std::string& name) const {
    return agent_->get("/pods/default/" + name + "/events").body;
  }

  // Network tests run in parallel (ctest -j): a slot n (bridge pke<n>, 10.254.<n>.0/24, host
  // port 31000+n) is held through an flock for the test's life, so no two tests share one;
  // the kernel drops the lock when the test process ends, however it ends.
  int claimSlot() {
    for (int i = 0; i < 200; ++i) {
      const int n = (::getpid() + i) % 200 + 20;
      const std::string path = "/run/lock/pk-e2e-net-" + std::to_string(n) + ".lock";
      UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
      if (!fd.valid() || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;
      struct stat held {
      }, now{};  // still the file at the path (not one its owner removed)?
      if (::fstat(fd.get(), &held) != 0 || ::stat(path.c_str(), &now) != 0 ||
          held.st_ino != now.st_ino) {
        continue;
      }
      slotLock_ = std::move(fd);
      slotPath_ = path;
      return n;
    }
    ADD_FAILURE() << "no free network test slot in /run/lock/pk-e2e-net-*.lock";
    return ::getpid() % 200 + 20;
  }

  UniqueFd slotLock_;
  std::string slotPath_;
  support::TempDir dir_{"pk-e2e-net"};
  std::string bridge_, subnet_;
  int hostPort_ = 0;
  std::unique_ptr<AgentHarness> agent_;
};

}  // namespace podkeeper::e2e
