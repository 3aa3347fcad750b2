#pragma once

#include <optional>
#include <string>
#include <string_view>

// The env files that env[].valueFrom.fileKeyRef reads (Kubernetes EnvFiles), parsed as the
// kubelet's strict .env parser does. Pure; the reconciler reads the file.
namespace podkeeper::manifests {

// The largest env file read, and the longest key (the API's limit).
inline constexpr size_t kMaxEnvFileBytes = 64 * 1024;
inline constexpr size_t kMaxEnvFileKeyLength = 128;

struct EnvFileLookup {
  std::optional<std::string> value;  // nullopt: the key is not in the file
  std::string error;                 // not empty: the file is not a valid env file
};

// The value of key in an env file: leading whitespace and blank lines and '#' comment lines
// are skipped; each declaration is NAME=VALUE, whitespace around '=' and at the end ignored;
// a trailing '\' continues the value on the next line (joined with one space), and a blank
// line, a comment or the end of the file inside a continuation is an error. The first
// declaration of key wins, and lines after it are not read.
EnvFileLookup lookupEnvFile(std::string_view text, const std::string& key);

}  // namespace podkeeper::manifests
