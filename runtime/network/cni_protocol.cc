#include "runtime/network/cni_protocol.h"

#include <algorithm>

namespace podkeeper::runtime::network {
namespace {

std::string joined(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string stringField(const nlohmann::json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string lastLine(const std::string& s) {
  auto end = s.find_last_not_of(" \n\r\t");
  if (end == std::string::npos) return "";
  auto start = s.rfind('\n', end);
  return s.substr(start == std::string::npos ? 0 : start + 1,
                  end + 1 - (start == std::string::npos ? 0 : start + 1));
}

}  // namespace

std::vector<std::string> pluginEnv(const std::string& command, const Attachment& a,
                                   const std::vector<std::string>& binDirs) {
  std::vector<std::string> args;
  for (const auto& [k, v] : a.args) args.push_back(k + "=" + v);
  return {"CNI_COMMAND=" + command,
          "CNI_CONTAINERID=" + a.containerId,
          "CNI_NETNS=" + a.netns,
          "CNI_IFNAME=" + a.ifName,
          "CNI_ARGS=" + joined(args, ";"),
          "CNI_PATH=" + joined(binDirs, ":"),
          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
}

nlohmann::json pluginInput(const NetworkConfigList& list, size_t index,
                           const nlohmann::json& prevResult, const nlohmann::json& capabilityArgs) {
  const PluginConfig& p = list.plugins.at(index);
  nlohmann::json in = p.raw;
  in["name"] = list.name;
  in["cniVersion"] = list.cniVersion;
  if (!prevResult.is_null()) in["prevResult"] = prevResult;
  nlohmann::json rt = nlohmann::json::object();
  for (const auto& cap : p.capabilities) {
    auto v = capabilityArgs.find(cap);
    if (v != capabilityArgs.end() && !v->is_null()) rt[cap] = *v;
  }
  if (!rt.empty()) in["runtimeConfig"] = rt;
  return in;
}

Result<CniResult> parseResult(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return failMsg("the plugin's result is not a JSON object: \"" + text.substr(0, 200) + "\"");
  CniResult r;
  r.cniVersion = stringField(j, "cniVersion");
  if (auto ifs = j.find("interfaces"); ifs != j.end() && ifs->is_array()) {
    for (const auto& i : *ifs) {
      if (!i.is_object()) return failMsg("result: interfaces: an entry is not an object");
      r.interfaces.push_back(
          {stringField(i, "name"), stringField(i, "mac"), stringField(i, "sandbox")});
    }
  }
  if (auto ips = j.find("ips"); ips != j.end() && ips->is_array()) {
    for (const auto& i : *ips) {
      if (!i.is_object()) return failMsg("result: ips: an entry is not an object");
      IpConfig ip{stringField(i, "address"), stringField(i, "gateway"), std::nullopt};
      if (ip.address.empty()) return failMsg("result: ips: an entry has no address");
      if (auto idx = i.find("interface"); idx != i.end() && idx->is_number_integer())
        ip.interfaceIndex = idx->get<int>();
      r.ips.push_back(std::move(ip));
    }
  }
  if (auto dns = j.find("dns"); dns != j.end() && dns->is_object()) r.dns = *dns;
  r.raw = std::move(j);
  return r;
}

std::optional<CniError> parseError(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("msg")) return std::nullopt;
  CniError e;
  if (auto c = j.find("code"); c != j.end() && c->is_number_integer()) e.code = c->get<int>();
  e.msg = stringField(j, "msg");
  e.details = stringField(j, "details");
  return e;
}

std::string describeFailure(const std::string& type, const std::string& command, int exitCode,
                            bool timedOut, const std::string& out, const std::string& err) {
  std::string head = "plugin " + type + " " + command;
  if (timedOut)
    return head + " timed out and was killed" + (err.empty() ? "" : ": " + lastLine(err));
  if (auto e = parseError(out)) {
    std::string s = head + " failed (code " + std::to_string(e->code) + "): " + e->msg;
    if (!e->details.empty()) s += ": " + e->details;
    return s;
  }
  std::string s = head + " failed with exit code " + std::to_string(exitCode);
  if (auto l = lastLine(err); !l.empty()) s += ": " + l;
  return s;
}

std::vector<std::string> podIPs(const CniResult& r) {
  std::vector<std::string> v4, v6;
  for (const auto& ip : r.ips) {
    if (ip.interfaceIndex) {
      const auto i = static_cast<size_t>(*ip.interfaceIndex);
      if (i >= r.interfaces.size() || r.interfaces[i].sandbox.empty()) continue;
    }
    const std::string a = ip.ip();
    (a.find(':') == std::string::npos ? v4 : v6).push_back(a);
  }
  v4.insert(v4.end(), v6.begin(), v6.end());
  return v4;
}

}  // namespace podkeeper::runtime::network
