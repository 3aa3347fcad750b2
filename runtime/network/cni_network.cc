#include "runtime/network/cni_network.h"

#include <algorithm>

namespace podkeeper::runtime::network {

Result<std::string> CniNetwork::invoke(const NetworkConfigList& list, size_t index,
                                       const std::string& command, const Attachment& a,
                                       const nlohmann::json& prevResult) const {
  const PluginConfig& p = list.plugins.at(index);
  auto path = findPlugin(p.type, options_.binDirs);
  if (!path) return fail(path.error());
  CommandSpec spec{.path = *path,
                   .argv = {*path},
                   .env = pluginEnv(command, a, options_.binDirs),
                   .input = pluginInput(list, index, prevResult, a.capabilityArgs).dump(),
                   .timeout = options_.timeout};
  auto r = run_(spec);
  if (!r) return fail(r.error().context("plugin " + p.type + " " + command));
  if (r->timedOut || r->exitCode != 0)
    return failMsg(describeFailure(p.type, command, r->exitCode, r->timedOut, r->out, r->err));
  return std::move(r->out);
}

Result<CniResult> CniNetwork::add(const NetworkConfigList& list, const Attachment& a,
                                  bool* undone) const {
  nlohmann::json prev;  // null before the first plugin
  CniResult last;
  if (undone) *undone = false;
  for (size_t i = 0; i < list.plugins.size(); ++i) {
    auto out = invoke(list, i, "ADD", a, prev);
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
  auto parsed = parseResult(cachedResult.dump());
  const bool hasV6 = parsed && std::ranges::any_of(parsed->ips, [](const IpConfig& ip) {
                       return ip.address.find(':') != std::string::npos;
                     });
  for (size_t i = 0; i < list.plugins.size(); ++i) {
    // portmap before 1.2 fails CHECK looking for IPv6 rules it never made for an IPv4-only
    // result (containernetworking/plugins#819); its rules are not what CHECK is for here.
    if (list.plugins[i].type == "portmap" && !hasV6) continue;
    auto out = invoke(list, i, "CHECK", a, cachedResult);
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
  for (size_t i = std::min(count, list.plugins.size()); i-- > 0;) {
    auto out = invoke(list, i, "DEL", a, cachedResult);
    if (!out) return fail(out.error().context("network " + list.name));
  }
  return {};
}

}  // namespace podkeeper::runtime::network
