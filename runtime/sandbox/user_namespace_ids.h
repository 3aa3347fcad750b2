#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "common/error.h"

// Host ids for pods with hostUsers: false, by the kubelet's rules: each pod gets a block of
// 65536 ids (its ids 0-65535 map onto it), from a configured range that starts at a multiple
// of 65536 and is a whole number of blocks long; a block is never handed out twice while the
// pod holding it exists. The blocks in use are rebuilt from the sandbox records on disk.
namespace podkeeper::runtime {

inline constexpr uint32_t kUserNamespaceIds = 65536;

struct UserNamespaceRange {
  uint64_t first = kUserNamespaceIds;  // the kubelet's default: the block after the host's own
  uint64_t length = uint64_t(kUserNamespaceIds) * 65534;  // up to (not including) uid 2^32-1
  bool operator==(const UserNamespaceRange&) const = default;
};

// "FIRST:LENGTH" (the two numbers of an /etc/subuid line), checked by the kubelet's rules.
Result<UserNamespaceRange> parseUserNamespaceRange(std::string_view text);

// The uid_map and gid_map line of a pod's user namespace: "0 <hostId> 65536\n".
std::string userNamespaceMapLine(uint32_t hostId);

class UserNamespaceAllocator {
 public:
  explicit UserNamespaceAllocator(UserNamespaceRange range) : range_(range) {}

  // The first host id of the lowest free block; fails when every block is in use.
  Result<uint32_t> allocate();
  // A block read back from a sandbox record: refused when outside the range, not at a block
  // boundary, or already held.
  Result<void> record(uint32_t hostId);
  void release(uint32_t hostId) { used_.erase(hostId); }
  size_t inUse() const { return used_.size(); }

 private:
  UserNamespaceRange range_;
  std::set<uint32_t> used_;
};

}  // namespace podkeeper::runtime
