#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/linux/linux_runtime.h"

namespace podkeeper::runtime::testing {

// A LinuxRuntime with its own cgroup root (pk-test-rt-<pid>), state, log and image
// directories under a fresh temp dir. TearDown removes every sandbox, the cgroup root and
// the temp dir, also when a test failed half-way.
class RuntimeFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;
  // Which cgroup tree to use; the default detects the machine's mode.
  virtual cgroup::CgroupConfig cgroupConfig() const { return {}; }
  // The agent-side driver the runtime is given (the shims build their own from the config).
  virtual std::unique_ptr<cgroup::CgroupManager> agentDriver(
      std::unique_ptr<cgroup::CgroupManager> detected) {
    return detected;
  }

  SandboxSpec sandbox(const std::string& uid, const std::string& hostname = "pod-host");
  ContainerSpec container(const SandboxSpec& sb, const std::string& name,
                          std::vector<std::string> argv);
  // ensureSandbox, asserting success.
  SandboxSpec makeSandbox(const std::string& uid, const std::string& hostname = "pod-host");
  ContainerState start(const ContainerSpec& spec);

  ContainerState observe(const std::string& uid, const std::string& name);
  // Polls until pred(log text) or the timeout; returns the last text.
  std::string waitForLog(const ContainerSpec& spec,
                         const std::function<bool(const std::string&)>& pred,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::optional<ExitRecord> waitForExit(
      const std::string& uid, const std::string& name,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  static std::string imageDir();
  // An image of imageDir() as the agent's ImageService resolves it for a start.
  static ResolvedImage resolveImage(const std::string& ref);
  static std::string tempRoot();
  std::string cgroupRoot() const { return cgroupRoot_; }
  std::string stateDir() const { return tempRoot() + "/state"; }
  std::string rootDir() const { return tempRoot() + "/root"; }

  std::unique_ptr<cgroup::CgroupManager> cgroups_;
  std::unique_ptr<LinuxRuntime> runtime_;
  std::vector<std::string> sandboxes_;
  std::string cgroupRoot_;
  bool hostUsers_ = true;  // false: every sandbox() gets a user namespace (hostUsers: false)
};

std::string readFileOr(const std::string& path, const std::string& fallback = "");
std::string nsInode(pid_t pid, const std::string& kind);  // readlink /proc/<pid>/ns/<kind>

}  // namespace podkeeper::runtime::testing
