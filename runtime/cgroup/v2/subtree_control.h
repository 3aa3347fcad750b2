#pragma once

#include <span>
#include <string>
#include <string_view>

// v2 controller delegation: a child gets a controller only once its parent lists it in
// cgroup.subtree_control, and a parent can only delegate what its cgroup.controllers offers.
namespace podkeeper::runtime::cgroup {

// The line to write to cgroup.subtree_control ("+cpu +memory"), or "" when nothing is missing.
// available and enabled are the space-separated contents of cgroup.controllers and
// cgroup.subtree_control.
std::string subtreeControlDelta(std::string_view available, std::string_view enabled,
                                std::span<const std::string> wanted);

}  // namespace podkeeper::runtime::cgroup
