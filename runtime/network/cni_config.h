#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

// A CNI network configuration as libcni reads it: a .conflist (a named list of plugins) or a
// .conf (one plugin, wrapped as a list of one, as libcni's ConfListFromConf does).
namespace podkeeper::runtime::network {

struct PluginConfig {
  std::string type;                       // the plugin's binary name
  nlohmann::json raw;                     // the plugin's object as written
  std::vector<std::string> capabilities;  // those set true in "capabilities"
};

struct NetworkConfigList {
  std::string file;  // where it was read, for errors and logs
  std::string name;
  std::string cniVersion;
  bool disableCheck = false;
  std::vector<PluginConfig> plugins;
  nlohmann::json raw;  // the whole list as written (a .conf: wrapped): cached for DEL
};

// The CNI versions the plugins podkeeper drives (containernetworking-plugins 1.1) speak.
bool supportedCniVersion(const std::string& version);

// Decodes a list (isList: a .conflist) or a single plugin (.conf); errors name file and field.
Result<NetworkConfigList> parseNetworkConfig(const std::string& file, const std::string& text,
                                             bool isList);

// The names libcni considers, in the order it tries them: *.conflist, *.conf, *.json in
// lexical order of the whole file name.
std::vector<std::string> configCandidates(std::vector<std::string> fileNames);

// The first configuration file of dir (configCandidates) read and decoded; nullopt when dir
// is missing or holds none (the node has no CNI configuration).
Result<std::optional<NetworkConfigList>> loadNetworkConfig(const std::string& dir);

// The first of binDirs holding an executable named type; errors say where it was looked for.
Result<std::string> findPlugin(const std::string& type, const std::vector<std::string>& binDirs);

}  // namespace podkeeper::runtime::network
