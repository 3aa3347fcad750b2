#include "runtime/cgroup/v2/subtree_control.h"

namespace podkeeper::runtime::cgroup {
namespace {

bool listed(std::string_view list, std::string_view name) {
  size_t pos = 0;
  while (pos < list.size()) {
    const size_t b = list.find_first_not_of(" \n", pos);
    if (b == std::string_view::npos) break;
    const size_t e = std::min(list.find_first_of(" \n", b), list.size());
    if (list.substr(b, e - b) == name) return true;
    pos = e;
  }
  return false;
}

}  // namespace

std::string subtreeControlDelta(std::string_view available, std::string_view enabled,
                                std::span<const std::string> wanted) {
  std::string delta;
  for (const std::string& c : wanted) {
    if (!listed(available, c) || listed(enabled, c)) continue;
    if (!delta.empty()) delta += ' ';
    delta += "+" + c;
  }
  return delta;
}

}  // namespace podkeeper::runtime::cgroup
