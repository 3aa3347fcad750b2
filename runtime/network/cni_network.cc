#include "runtime/network/cni_network.h"

#include <algorithm>

namespace podkeeper::runtime::network {

Result<std::string> CniNetwork::invoke(const NetworkConfigList& list, size_t index,
                                       const std::string& command, const Attachment& a,
                                       const nlohmann::json& prevResult, Deadline until) const {
  const PluginConfig& p = list.plugins.at(index);
  auto path = findPlugin(p.type, options_.binDirs);
  if (!path) return fail(path.error());
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
  CommandSpec spec{.path = *path,
                   .argv = {*path},
                   .env = pluginEnv(command, a, options_.binDirs),
                   .input = pluginInput(list, index, prevResult, a.capabilityArgs).dump(),
                   .timeout = std::max(left, std::chrono::milliseconds(1))};
  auto r = run_(spec);
  if (!r) return fail(r.error().context("plugin " + p.type + " " + command));
  if (r->timedOut)
    return failMsg(describeFailure(p.type, command, r->exitCode, true, r->out, r->err) +
                   " (a network " + command + " may take " +
                   std::to_string(options_.timeout.count()) + " ms: --cni-plugin-timeout)");
  if (r->exitCode != 0)
    return failMsg(describeFailure(p.type, command, r->exitCode, false, r->out, r->err));
  return std::move(r->out);
}

Result<CniResult> CniNetwork::add(const NetworkConfigList& list, const Attachment& a,
                                  bool* undone) const {
  nlohmann::json prev;  // null before the first plugin
  CniResult last;
  if (undone) *undone = false;
  const Deadline until = deadline();
  for (size_t i = 0; i < list.plugins.size(); ++i) {
    auto out = invoke(list, i, "ADD", a, prev, until);
    Result<CniResult> parsed =
        out ? parseResult(*out) : Result<CniResult>(std::unexpected(out.error()));
    if (!parsed) {
      const bool ran = findPlugin(list.plugins[i].type, options_.binDirs).has_value();
      const bool rolledBack = delFirst(list, ran ? i + 1 : i, a, prev).has_value();
      if (undone) *undone = rolledBack;
      return fail(parsed.error().context("network " + list.name));
    }
    prev = parsed->raw;
    last = std::move(*parsed);
  }
  return last;
}

Result<void> CniNetwork::check(const NetworkConfigList& list, const Attachment& a,
                               const nlohmann::json& cachedResult) const {
  if (list.disableCheck || list.cniVersion.starts_with("0.3")) return {};
  const Deadline until = deadline();
  for (size_t i = 0; i < list.plugins.size(); ++i) {
    // portmap before 1.2 fails CHECK looking for IPv6 rules it never made for an IPv4-only
    // result, and for a dual-stack one compares its IPv4 rules with the IPv6 table
    // (containernetworking/plugins#819); its rules are not what CHECK is for here.
    if (list.plugins[i].type == "portmap") continue;
    auto out = invoke(list, i, "CHECK", a, cachedResult, until);
    if (!out) return fail(out.error().context("network " + list.name));
  }
  return {};
}

Result<void> CniNetwork::del(const NetworkConfigList& list, const Attachment& a,
                             const nlohmann::json& cachedResult) const {
  return delFirst(list, list.plugins.size(), a, cachedResult);
}

Result<void> CniNetwork::delFirst(const NetworkConfigList& list, size_t count, const Attachment& a,
                                  const nlohmann::json& cachedResult) const {
  const Deadline until = deadline();  // a DEL after a failed ADD gets a time of its own
  for (size_t i = std::min(count, list.plugins.size()); i-- > 0;) {
    auto out = invoke(list, i, "DEL", a, cachedResult, until);
    if (!out) return fail(out.error().context("network " + list.name));
  }
  return {};
}

}  // namespace podkeeper::runtime::network
