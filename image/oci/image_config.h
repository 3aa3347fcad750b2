#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

// The parts of an OCI / Docker image config a node uses to run the image. Pure.
namespace podkeeper::image {

struct ImageConfig {
  std::string os;
  std::string architecture;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "NAME=value"
  std::string workingDir;
  std::string user;
  std::string stopSignal;
  std::map<std::string, std::string> labels;
  std::vector<std::string> diffIds;  // rootfs.diff_ids, base first
  bool operator==(const ImageConfig&) const = default;
};

// `name` names the blob or file in errors (a digest or a path). `requireDiffIds`: a config of
// a layered image must list one diff_id per layer; a directory image's config.json need not.
Result<ImageConfig> parseImageConfig(std::string_view content, const std::string& name,
                                     bool requireDiffIds = true);

// An image's StopSignal as a number: "SIGQUIT", "QUIT" or "3" (as containerd's
// ParseSignal reads it). EINVAL naming the value for anything else.
Result<int> parseStopSignal(std::string_view signal);

// containerd's chain IDs: chain(0) = diff(0); chain(n) = sha256(chain(n-1) + " " + diff(n)).
std::vector<std::string> chainIds(const std::vector<std::string>& diffIds);

}  // namespace podkeeper::image
