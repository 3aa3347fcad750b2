#include "runtime/cgroup/v1/cpuset_v1.h"

#include "runtime/cgroup/cgroup_dir.h"

namespace podkeeper::runtime::cgroup {
namespace {

bool blank(std::string_view s) { return s.find_first_not_of(" \n") == std::string_view::npos; }

Result<void> inheritFile(const CgroupDir& parent, const CgroupDir& child, const char* name) {
  std::string buf;
  auto own = child.read(name, buf);
  if (!own) return fail(own.error());
  if (!blank(*own)) return {};
  auto inherited = parent.read(name, buf);
  if (!inherited) return fail(inherited.error());
  return child.write(name, *inherited);
}

}  // namespace

Result<void> inheritCpusetFromParent(const std::string& parentDir, const std::string& dir) {
  auto parent = CgroupDir::open(parentDir);
  if (!parent) return fail(parent.error());
  auto child = CgroupDir::open(dir);
  if (!child) return fail(child.error());
  if (auto r = inheritFile(*parent, *child, "cpuset.cpus"); !r) return r;
  return inheritFile(*parent, *child, "cpuset.mems");
}

}  // namespace podkeeper::runtime::cgroup
