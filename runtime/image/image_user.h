#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

// Who a container runs as when its image names the user: /etc/passwd and /etc/group of the
// image rootfs (never the host's), resolved as runc does. Pure: tested on strings.
namespace podkeeper::runtime {

struct PasswdEntry {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
  bool operator==(const PasswdEntry&) const = default;
};

struct GroupEntry {
  std::string name;
  gid_t gid = 0;
  std::vector<std::string> members;
  bool operator==(const GroupEntry&) const = default;
};

// name:password:uid:gid:gecos:home:shell. Blank lines, comments and malformed lines (too few
// fields, ids that are not numbers) are skipped, as libc skips them.
std::vector<PasswdEntry> parsePasswd(std::string_view text);
// name:password:gid:member,member
std::vector<GroupEntry> parseGroup(std::string_view text);

struct ResolvedUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additionalGids;  // groups listing the user by name, primary excluded
  std::string home = "/";
  bool operator==(const ResolvedUser&) const = default;
};

// user is "", "name", "uid", "name:group", "uid:gid" (image config User); "" is root. A
// numeric user missing from passwd is fine (gid 0, home /); a name missing is an error, as
// is an unknown group name. Supplementary groups come from group, as runc adds them, when
// no group was named.
Result<ResolvedUser> resolveUser(std::string_view user, const std::vector<PasswdEntry>& passwd,
                                 const std::vector<GroupEntry>& groups);

// The uid part of an image User when it is numeric; nullopt for a name. "" is 0 (root).
std::optional<int64_t> numericImageUid(std::string_view user);

}  // namespace podkeeper::runtime
