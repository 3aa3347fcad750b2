#include "runtime/cgroup/layout.h"

#include <linux/magic.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "runtime/cgroup/cgroup_dir.h"

namespace podkeeper::runtime::cgroup {
namespace {

bool isUnder(std::string_view path, std::string_view root) {
  return path.size() > root.size() && path.starts_with(root) && path[root.size()] == '/';
}

std::string hex(int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// The cgroup mounts under mountRoot, by mount point; a later line over-mounts an earlier one.
std::map<std::string, const MountEntry*> cgroupMountsUnder(const std::string& mountRoot,
                                                           const std::vector<MountEntry>& ms) {
  std::map<std::string, const MountEntry*> out;
  for (const MountEntry& m : ms) {
    if (isUnder(m.mountPoint, mountRoot)) out[m.mountPoint] = &m;
  }
  std::erase_if(out, [](const auto& kv) {
    return kv.second->fsType != "cgroup" && kv.second->fsType != "cgroup2";
  });
  return out;
}

// Keeps one mount per controller set, preferring a mount of the hierarchy's root.
void addV1(std::vector<Hierarchy>& v1, Hierarchy h) {
  auto same = std::find_if(v1.begin(), v1.end(),
                           [&](const Hierarchy& o) { return o.controllers == h.controllers; });
  if (same == v1.end()) {
    v1.push_back(std::move(h));
  } else if (same->root != "/" && h.root == "/") {
    *same = std::move(h);
  }
}

}  // namespace

bool Hierarchy::has(std::string_view controller) const {
  return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

std::string Hierarchy::dir(const CgroupPath& path) const {
  return path.empty() ? mountPoint : mountPoint + "/" + path;
}

std::optional<std::string> Hierarchy::dirOfProcPath(std::string_view procPath) const {
  std::string_view rel;
  if (root == "/") {
    rel = procPath;
  } else if (isUnder(procPath, root)) {
    rel = procPath.substr(root.size());
  } else if (procPath != root) {
    return std::nullopt;
  }
  if (rel == "/") rel = {};
  return mountPoint + std::string(rel);
}

Result<Layout> layoutFromMounts(int64_t rootMagic, const std::string& mountRoot,
                                const std::vector<MountEntry>& mounts) {
  if (rootMagic == CGROUP2_SUPER_MAGIC) {
    Hierarchy unified{mountRoot, "/", {}};
    for (const MountEntry& m : mounts) {
      if (m.mountPoint == mountRoot && m.fsType == "cgroup2") unified.root = m.root;
    }
    return Layout{Mode::V2, {}, std::move(unified)};
  }
  if (rootMagic != TMPFS_MAGIC) {
    return failMsg("statfs " + mountRoot + ": neither cgroup2 nor tmpfs (f_type " + hex(rootMagic) +
                   ")");
  }
  Layout layout{Mode::V1, {}, std::nullopt};
  for (const auto& [point, m] : cgroupMountsUnder(mountRoot, mounts)) {
    if (m->fsType == "cgroup2") {
      layout.unified = Hierarchy{point, m->root, {}};
    } else {
      addV1(layout.v1, Hierarchy{point, m->root, v1Controllers(*m)});
    }
  }
  if (layout.v1.empty()) {
    return failMsg("no cgroup v1 hierarchy mounted under " + mountRoot + " (tmpfs)");
  }
  if (layout.unified) layout.mode = Mode::Hybrid;
  return layout;
}

Result<Layout> detectLayout(const CgroupConfig& config, const FsProbe& probe) {
  auto magic = probe(config.mountRoot);
  if (!magic) return fail(magic.error());
  std::vector<MountEntry> mounts;
  auto text = readTextFile(config.mountinfoPath);
  if (text) {
    auto parsed = parseMountinfo(*text);
    if (!parsed) return fail(parsed.error().context(config.mountinfoPath));
    mounts = std::move(*parsed);
  } else if (*magic != CGROUP2_SUPER_MAGIC) {
    return fail(text.error());  // v1 needs the mount table; v2 can do without
  }
  return layoutFromMounts(*magic, config.mountRoot, mounts);
}

}  // namespace podkeeper::runtime::cgroup
