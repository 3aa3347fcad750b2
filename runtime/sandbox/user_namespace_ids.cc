#include "runtime/sandbox/user_namespace_ids.h"

#include <charconv>

namespace podkeeper::runtime {
namespace {

constexpr uint64_t kIdLimit = uint64_t(1) << 32;  // uid 2^32-1 is (uid_t)-1, never an id

bool parseNumber(std::string_view s, uint64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

Result<UserNamespaceRange> parseUserNamespaceRange(std::string_view text) {
  const std::string what = "user namespace range \"" + std::string(text) + "\"";
  const auto colon = text.find(':');
  UserNamespaceRange r;
  if (colon == std::string_view::npos || !parseNumber(text.substr(0, colon), r.first) ||
      !parseNumber(text.substr(colon + 1), r.length)) {
    return failMsg(what + ": expected FIRST:LENGTH (two numbers, as in /etc/subuid)");
  }
  if (r.first % kUserNamespaceIds != 0)
    return failMsg(what + ": the first id must be a multiple of 65536");
  if (r.first == 0) return failMsg(what + ": ids 0-65535 are the host's own, never a pod's");
  if (r.length < kUserNamespaceIds || r.length % kUserNamespaceIds != 0)
    return failMsg(what + ": the length must be a non-zero multiple of 65536");
  if (r.first + r.length >= kIdLimit)
    return failMsg(what + ": the range must end below 4294967295");
  return r;
}

std::string userNamespaceMapLine(uint32_t hostId) {
  return "0 " + std::to_string(hostId) + " " + std::to_string(kUserNamespaceIds) + "\n";
}

Result<uint32_t> UserNamespaceAllocator::allocate() {
  for (uint64_t id = range_.first; id < range_.first + range_.length; id += kUserNamespaceIds) {
    const auto hostId = static_cast<uint32_t>(id);
    if (used_.insert(hostId).second) return hostId;
  }
  return failSys(ENOSPC, "no free user namespace id block: all " +
                             std::to_string(range_.length / kUserNamespaceIds) +
                             " blocks of 65536 ids from " + std::to_string(range_.first) +
                             " are in use");
}

Result<void> UserNamespaceAllocator::record(uint32_t hostId) {
  const std::string what = "user namespace ids from " + std::to_string(hostId);
  if (hostId < range_.first || hostId >= range_.first + range_.length ||
      (hostId - range_.first) % kUserNamespaceIds != 0) {
    return failMsg(what + ": not a block of the configured range " + std::to_string(range_.first) +
                   ":" + std::to_string(range_.length));
  }
  if (!used_.insert(hostId).second) return failMsg(what + ": already held by another pod");
  return {};
}

}  // namespace podkeeper::runtime
