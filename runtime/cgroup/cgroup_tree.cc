#include "runtime/cgroup/cgroup_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>

#include "common/make_dirs.h"
#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/file_parsers.h"

namespace podkeeper::runtime::cgroup {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// Lists the subdirectories (child cgroups) of dir, consuming its fd.
Result<std::vector<std::string>> childDirs(CgroupDir dir) {
  const int fd = dir.releaseFd();
  std::unique_ptr<DIR, DirCloser> d(::fdopendir(fd));
  if (!d) {
    const int err = errno;
    ::close(fd);
    return failSys(err, "opendir " + dir.path());
  }
  std::vector<std::string> out;
  while (const dirent* e = ::readdir(d.get())) {
    const std::string_view name = e->d_name;
    if (e->d_type == DT_DIR && name != "." && name != "..") out.emplace_back(name);
  }
  return out;
}

// Pre-order walk: visit(dir) for dir and each descendant.
Result<void> walk(const std::string& path,
                  const std::function<Result<void>(const CgroupDir&)>& visit) {
  auto dir = CgroupDir::open(path);
  if (!dir) return fail(dir.error());
  if (auto r = visit(*dir); !r) return r;
  auto children = childDirs(std::move(*dir));
  if (!children) return fail(children.error());
  for (const std::string& c : *children) {
    if (auto r = walk(path + "/" + c, visit); !r) return r;
  }
  return {};
}

Result<void> rmdirRetrying(const std::string& dir, ProcessSignaller& signaller) {
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
    if (errno != EBUSY || attempt >= kRmdirAttempts) return failSys(errno, "rmdir " + dir);
    signaller.pause(kPollInterval);
  }
}

}  // namespace

Result<void> mkdirAll(const std::string& base, const CgroupPath& path, const LevelHook& onLevel) {
  if (path.find_first_not_of('/') == std::string::npos) return {};
  if (!onLevel) return makeDirs(base + "/" + path, 0755, base);
  std::string parent = base;
  size_t pos = 0;
  while (pos < path.size()) {
    const size_t slash = std::min(path.find('/', pos), path.size());
    if (slash > pos) {
      const std::string dir = parent + "/" + path.substr(pos, slash - pos);
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return failSys(errno, "mkdir " + dir);
      if (onLevel) {
        if (auto r = onLevel(parent, dir); !r) return r;
      }
      parent = dir;
    }
    pos = slash + 1;
  }
  return {};
}

Result<std::vector<pid_t>> pidsInTree(const std::string& dir, const char* file) {
  std::vector<pid_t> pids;
  std::string buf;
  auto r = walk(dir, [&](const CgroupDir& d) -> Result<void> {
    auto text = d.read(file, buf);
    if (!text) return fail(text.error());
    appendPids(*text, pids);
    return {};
  });
  if (!r) return fail(r.error());
  return pids;
}

Result<TaskCount> countTasksInTree(StatFileCache& files, const std::string& dir,
                                   const char* threadsFile, std::string& buf) {
  auto d = files.dir(dir);
  if (!d) return fail(d.error());
  if ((*d)->subtreeTasks) return *(*d)->subtreeTasks;
  TaskCount n;
  auto procs = (*d)->readFresh("cgroup.procs", buf);
  if (!procs) return fail(procs.error());
  n.processes = countLines(*procs);
  auto threads = (*d)->readFresh(threadsFile, buf);
  if (!threads) return fail(threads.error());
  n.threads = countLines(*threads);
  auto children = (*d)->children();
  if (!children) return fail(children.error());
  for (const std::string& c : **children) {
    auto sub = countTasksInTree(files, dir + "/" + c, threadsFile, buf);
    // A child removed during the walk held no tasks by then.
    if (!sub && sub.error().code == ENOENT) continue;
    if (!sub) return fail(sub.error());
    n.processes += sub->processes;
    n.threads += sub->threads;
  }
  (*d)->subtreeTasks = n;
  return n;
}

Result<Stats> statsWithTaskCounts(StatFileCache& files, const std::string& dir,
                                  const char* threadsFile) {
  auto tasks = countTasksInTree(files, dir, threadsFile, files.buffer());
  if (!tasks) return fail(tasks.error());
  Stats s;
  s.processes = tasks->processes;
  s.threads = tasks->threads;
  return s;
}

bool isDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<void> removeTree(const std::string& dir, ProcessSignaller& signaller) {
  auto d = CgroupDir::open(dir);
  if (!d && d.error().code == ENOENT) return {};
  if (!d) return fail(d.error());
  auto children = childDirs(std::move(*d));
  if (!children) return fail(children.error());
  for (const std::string& c : *children) {
    if (auto r = removeTree(dir + "/" + c, signaller); !r) return r;
  }
  return rmdirRetrying(dir, signaller);
}

}  // namespace podkeeper::runtime::cgroup
