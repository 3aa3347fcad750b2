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

// The lines of a mountinfo text whose mount point is root or lies under it, unchanged and in
// order: what the cgroup drivers read of the table, for a child that would otherwise read
// the whole of /proc/self/mountinfo (thousands of lines on a node with many pods) again.
// An unparsable line is an error naming its number.
Result<std::string> mountinfoLinesUnder(std::string_view text, const std::string& root);

// The v1 controllers of a "cgroup" mount: its super options minus the generic ones
// ("rw", "ro", "xattr", "release_agent=...", ...). "name=systemd" is kept as is.
std::vector<std::string> v1Controllers(const MountEntry& m);

}  // namespace podkeeper::runtime::cgroup
