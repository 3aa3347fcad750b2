#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace podkeeper::runtime::cgroup {

// One line of /proc/<pid>/mountinfo, the fields the cgroup drivers need.
struct MountEntry {
  std::string root;                       // 4th field: the directory of the filesystem mounted here
  std::string mountPoint;                 // 5th field, octal escapes (\040) decoded
  std::string fsType;                     // after " - ": "cgroup", "cgroup2", "tmpfs"...
  std::vector<std::string> superOptions;  // last field split on ',': "rw", "cpu", "name=systemd"
  std::vector<std::string> optionalFields;  // propagation: "shared:N", "master:N", ...
};

// Parses the whole text; an unparsable line is an error naming its number.
Result<std::vector<MountEntry>> parseMountinfo(std::string_view text);

// The v1 controllers of a "cgroup" mount: its super options minus the generic ones
// ("rw", "ro", "xattr", "release_agent=...", ...). "name=systemd" is kept as is.
std::vector<std::string> v1Controllers(const MountEntry& m);

}  // namespace podkeeper::runtime::cgroup
