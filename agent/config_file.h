#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config.h"
#include "common/error.h"
#include "manifests/decode.h"

// The agent's configuration file (--config, default /etc/podkeeper/config.yaml), shaped like
// the kubelet's KubeletConfiguration: the kubelet's field names where it has the field
// (staticPodPath, cgroupRoot, port, authentication.x509.clientCAFile...), podkeeper's own
// fields beside them. Every AgentConfig member is one row of one table (config_file.cc);
// flags given on the command line override the file row by row.
namespace podkeeper::agent {

inline constexpr const char* kDefaultConfigFile = "/etc/podkeeper/config.yaml";
inline constexpr const char* kConfigApiVersion = "podkeeper.io/v1alpha1";
inline constexpr const char* kConfigKind = "PodkeeperConfiguration";

struct ConfigFile {
  std::string path;    // "" when no file was read (the default path did not exist)
  AgentConfig config;  // the defaults, then what the file sets
  // Errors: syntax, wrong types, unknown fields, bad values the table can check, each as
  // FILE:LINE:COL: field: message.
  std::vector<manifests::Diagnostic> diagnostics;
  // Where each field the file sets was written (its dotted name -> position).
  std::map<std::string, manifests::Diagnostic> positions;
  bool ok() const;
  std::string errors() const;  // the diagnostics, one per line
};

// Decodes one configuration file with the manifests' YAML rules (YAML 1.1 scalars as the
// Kubernetes API reads them, marks, duplicate keys); unknown fields are errors. Pure.
ConfigFile decodeConfigFile(const std::string& path, std::string_view contents);

// Reads `path`. A missing file is an error when the user named it, and no file (defaults)
// when it is the default path.
ConfigFile loadConfigFile(const std::string& path, bool named);

// The file's configuration with the rows whose flag was given taken from `flags` instead.
AgentConfig applyFlags(const ConfigFile& file, const AgentConfig& flags,
                       const std::function<bool(const std::string& flag)>& given);

// A validateConfig message ("--port: 70000 is not ...") about a value that came from the file
// (its flag not given), restated at the file position of the field; otherwise as it is.
std::string locateConfigError(const ConfigFile& file, const std::string& message,
                              const std::function<bool(const std::string& flag)>& given);

// The effective configuration as a configuration file (`podkeeper config print`).
std::string printConfig(const AgentConfig& config);
// The packaged /etc/podkeeper/config.yaml: every field commented out at its default, with
// what it does and the flag that overrides it (`podkeeper config default`).
std::string configTemplate();

// Every flag of `podkeeper run` that a file field stands for (tests check none is missing).
std::vector<std::string> configFileFlags();

// Go's time.Duration text as the kubelet writes it: "10s", "1m30s", "1h0m0s", "500ms".
std::optional<std::chrono::milliseconds> parseGoDuration(std::string_view text);
std::string formatGoDuration(std::chrono::milliseconds d);

}  // namespace podkeeper::agent
