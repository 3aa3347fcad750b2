#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/network/cni_config.h"
#include "runtime/network/cni_protocol.h"
#include "runtime/sys/run_command.h"

// Runs a network configuration's plugins for one attachment, as libcni's AddNetworkList,
// CheckNetworkList and DelNetworkList do. Every call blocks while plugins run: call them from
// background work (common/background_work.h), never on the loop thread.
namespace podkeeper::runtime::network {

// How a plugin is run; runCommand for real, a fake in unit tests.
using PluginRunner = std::function<Result<CommandResult>(const CommandSpec&)>;

struct CniOptions {
  std::vector<std::string> binDirs = {"/usr/lib/cni", "/opt/cni/bin"};
  // How long one ADD, CHECK or DEL (all the list's plugins) may take; a plugin still running
  // then is killed and the call fails. The kubelet's bound on RunPodSandbox: twice its
  // --runtime-request-timeout of 2m (--cni-plugin-timeout).
  std::chrono::milliseconds timeout{std::chrono::minutes(4)};
};

class CniNetwork {
 public:
  explicit CniNetwork(CniOptions options, PluginRunner run = runCommand)
      : options_(std::move(options)), run_(std::move(run)) {}

  // ADD through every plugin in order, each given the previous one's result. When a plugin
  // fails, the plugins that ran (the failing one included, unless it could not be found) get
  // DEL in reverse before the error returns; *undone says whether that DEL succeeded, so
  // nothing of the attachment is left.
  Result<CniResult> add(const NetworkConfigList& list, const Attachment& a,
                        bool* undone = nullptr) const;
  // CHECK through every plugin with the cached result (skipped for disableCheck lists and
  // cniVersion before 0.4.0, as libcni does; portmap is skipped: its CHECK is broken before
  // plugins 1.2).
  Result<void> check(const NetworkConfigList& list, const Attachment& a,
                     const nlohmann::json& cachedResult) const;
  // DEL through the plugins in reverse order with the cached result (null when ADD never
  // returned one). Plugins treat a missing attachment as done, so it is safe to repeat.
  Result<void> del(const NetworkConfigList& list, const Attachment& a,
                   const nlohmann::json& cachedResult) const;
  // DEL through plugins [0, count) only, in reverse.
  Result<void> delFirst(const NetworkConfigList& list, size_t count, const Attachment& a,
                        const nlohmann::json& cachedResult) const;

  const CniOptions& options() const { return options_; }

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  Deadline deadline() const { return std::chrono::steady_clock::now() + options_.timeout; }
  // One plugin, one command, killed at the deadline: its stdout on success.
  Result<std::string> invoke(const NetworkConfigList& list, size_t index,
                             const std::string& command, const Attachment& a,
                             const nlohmann::json& prevResult, Deadline until) const;

  CniOptions options_;
  PluginRunner run_;
};

}  // namespace podkeeper::runtime::network
