#include "runtime/network/cni_config.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "runtime/sys/small_file.h"

namespace podkeeper::runtime::network {
namespace {

namespace fs = std::filesystem;

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool validPluginType(const std::string& t) {
  if (t.empty() || t == "." || t == "..") return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

Result<PluginConfig> parsePlugin(const std::string& where, const nlohmann::json& p) {
  if (!p.is_object()) return failMsg(where + ": must be an object");
  auto type = p.find("type");
  if (type == p.end() || !type->is_string() || type->get<std::string>().empty())
    return failMsg(where + ".type: missing (the plugin's binary name)");
  const std::string t = type->get<std::string>();
  if (!validPluginType(t)) return failMsg(where + ".type: \"" + t + "\" is not a binary name");
  PluginConfig out{t, p, {}};
  if (auto caps = p.find("capabilities"); caps != p.end()) {
    if (!caps->is_object()) return failMsg(where + ".capabilities: must be an object");
    for (const auto& [name, on] : caps->items()) {
      if (!on.is_boolean())
        return failMsg(where + ".capabilities." + name + ": must be true or false");
      if (on.get<bool>()) out.capabilities.push_back(name);
    }
  }
  return out;
}

}  // namespace

bool supportedCniVersion(const std::string& v) {
  return v == "0.3.0" || v == "0.3.1" || v == "0.4.0" || v == "1.0.0";
}

Result<NetworkConfigList> parseNetworkConfig(const std::string& file, const std::string& text,
                                             bool isList) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return failMsg(file + ": not valid JSON");
  if (!j.is_object()) return failMsg(file + ": must be a JSON object");
  if (!isList) {
    // libcni's ConfListFromConf: the plugin's name and cniVersion become the list's.
    nlohmann::json list = {{"plugins", nlohmann::json::array({j})}};
    if (j.contains("name")) list["name"] = j["name"];
    if (j.contains("cniVersion")) list["cniVersion"] = j["cniVersion"];
    j = std::move(list);
  }
  NetworkConfigList out;
  out.file = file;
  auto name = j.find("name");
  if (name == j.end() || !name->is_string() || name->get<std::string>().empty())
    return failMsg(file + ": name: missing (the network's name)");
  out.name = name->get<std::string>();
  auto version = j.find("cniVersion");
  if (version == j.end() || !version->is_string()) return failMsg(file + ": cniVersion: missing");
  out.cniVersion = version->get<std::string>();
  if (!supportedCniVersion(out.cniVersion))
    return failMsg(file + ": cniVersion: \"" + out.cniVersion +
                   "\" is not supported (0.3.0, 0.3.1, 0.4.0, 1.0.0)");
  if (auto dc = j.find("disableCheck"); dc != j.end()) {
    if (!dc->is_boolean()) return failMsg(file + ": disableCheck: must be true or false");
    out.disableCheck = dc->get<bool>();
  }
  auto plugins = j.find("plugins");
  if (plugins == j.end() || !plugins->is_array() || plugins->empty())
    return failMsg(file + ": plugins: missing or empty (a list of plugin objects)");
  for (size_t i = 0; i < plugins->size(); ++i) {
    auto p = parsePlugin(file + ": plugins[" + std::to_string(i) + "]", (*plugins)[i]);
    if (!p) return fail(p.error());
    out.plugins.push_back(std::move(*p));
  }
  out.raw = std::move(j);
  return out;
}

std::vector<std::string> configCandidates(std::vector<std::string> names) {
  std::erase_if(names, [](const std::string& n) {
    return n.starts_with(".") ||
           !(endsWith(n, ".conflist") || endsWith(n, ".conf") || endsWith(n, ".json"));
  });
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::optional<NetworkConfigList>> loadNetworkConfig(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return std::optional<NetworkConfigList>();
  if (ec) return failSys(ec.value(), "CNI configuration directory " + dir);
  for (const auto& e : it) {
    if (e.is_regular_file(ec)) names.push_back(e.path().filename().string());
  }
  const auto candidates = configCandidates(std::move(names));
  if (candidates.empty()) return std::optional<NetworkConfigList>();
  const std::string& name = candidates.front();
  const std::string path = dir + "/" + name;
  auto text = readSmallFile(dir, name, SmallFileRead{.maxBytes = 1 << 20});
  if (!text) return fail(text.error().context("CNI configuration " + path));
  auto list = parseNetworkConfig(path, *text, endsWith(name, ".conflist"));
  if (!list) return fail(list.error());
  return std::optional<NetworkConfigList>(std::move(*list));
}

Result<std::string> findPlugin(const std::string& type, const std::vector<std::string>& binDirs) {
  std::string looked;
  for (const auto& dir : binDirs) {
    const std::string path = dir + "/" + type;
    if (::access(path.c_str(), X_OK) == 0) return path;
    looked += (looked.empty() ? "" : ", ") + dir;
  }
  return failMsg("CNI plugin \"" + type + "\" not found in " + looked);
}

}  // namespace podkeeper::runtime::network
