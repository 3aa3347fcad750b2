#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"

namespace podkeeper::runtime::cgroup {

class StatFileCache;

// Processes and threads of a cgroup and its descendants.
struct TaskCount {
  uint64_t processes = 0;
  uint64_t threads = 0;
};

// One cgroup directory whose stat files stay open between scrapes. cgroup files regenerate
// their content on every read at offset 0, so a pread(fd, buf, n, 0) on a kept fd reads the
// current value at a fraction of the cost of open/read/close. Only fds are kept, never values.
class StatDir {
 public:
  const std::string& path() const { return path_; }

  // The content of file `name` now, read through a kept-open fd (opened on first use, within
  // the cache's fd budget; beyond it, open/read/close). nullopt when the file is absent or
  // unreadable. buf is the caller's, reused across reads.
  std::optional<std::string_view> tryRead(const char* name, std::string& buf);
  std::optional<uint64_t> tryReadUint(const char* name, std::string& buf);
  // The same with a fresh open/read/close every time, for files whose kernel state lives in
  // the open file: v1 "tasks" and "cgroup.procs" keep the pid list of an open file for a
  // second after each read, so a kept fd re-read within that second shows the old pids.
  Result<std::string_view> readFresh(const char* name, std::string& buf);
  // Names of the child cgroups, from the last validation's link count (no readdir when it
  // says there are none).
  Result<const std::vector<std::string>*> children();
  // A read found the cgroup removed (ENODEV/ENOENT): the row must be dropped, not reported
  // with the values that could still be read.
  bool gone() const { return gone_; }
  // Which directory this is: its inode when validated. A new one at the same path (the cgroup
  // removed and recreated) has another.
  uint64_t identity() const { return ino_; }
  // The subtree's task count once this scrape has counted it (cgroup_tree.h), so a pod row
  // does not read its containers' pid lists again. Reset when the next scrape validates.
  std::optional<TaskCount> subtreeTasks;

 private:
  friend class StatFileCache;
  struct File {
    const char* name;  // the callers' string literals: compared by content, never freed
    UniqueFd fd;
  };

  StatDir(StatFileCache& cache, std::string path) : cache_(cache), path_(std::move(path)) {}
  std::optional<std::string_view> readUncached(const char* name, std::string& buf);
  Result<const std::vector<std::string>*> childrenByPath();
  File* find(const char* name);
  void closeFds();
  void markGone();

  StatFileCache& cache_;
  std::string path_;
  UniqueFd dir_;  // O_DIRECTORY, for openat and getdents; invalid beyond the budget
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  nlink_t nlink_ = 0;
  std::vector<File> files_;
  std::vector<std::string> children_;
  uint64_t validatedIn_ = 0;  // the scrape generation that last checked it
  uint64_t tiedTo_ = 0;       // see StatFileCache::dir(path, tiedTo)
  bool gone_ = false;
};

// Owner of every kept-open cgroup file of the exporter, keyed by cgroup directory path.
// Each scrape asks for the directories it reads (dir()) and then calls sweep(), which closes
// the fds of every directory not asked for: a stopped container's fds are closed at the end
// of the first scrape that no longer lists it. A directory is re-checked once per scrape,
// with stat() or through the directory of the same cgroup in another hierarchy it is tied
// to: a cgroup removed and recreated at the same path has a new inode and gets fresh fds
// (and a read through an fd of a removed cgroup fails with ENODEV, which drops it at once). At most
// maxFds fds are kept; reads beyond the budget, or after EMFILE, fall back to open/read/close, so
// the budget degrades speed, never a scrape. Every fd is O_CLOEXEC. Not thread-safe: the agent
// loop's one thread.
class StatFileCache {
 public:
  explicit StatFileCache(size_t maxFds) : maxFds_(maxFds) {}
  StatFileCache(const StatFileCache&) = delete;
  StatFileCache& operator=(const StatFileCache&) = delete;

  // The cgroup directory at `path` (absolute), validated for this scrape. Fails with ENOENT
  // when it does not exist (its kept fds are closed at once). The pointer stays valid until
  // sweep().
  Result<StatDir*> dir(const std::string& path);
  // The same without a stat: the directory belongs to the cgroup whose validated directory
  // (in another hierarchy) has identity() tiedTo, and its fds are reopened when that changes.
  // On cgroupfs a directory removed in between fails its reads with ENODEV (gone()).
  Result<StatDir*> dir(const std::string& path, uint64_t tiedTo);
  // Ends a scrape: closes and forgets every directory not asked for since the last sweep.
  void sweep();

  // A read buffer the drivers reuse across files and scrapes.
  std::string& buffer() { return buffer_; }

  size_t openFds() const { return openFds_; }
  size_t maxFds() const { return maxFds_; }
  size_t directories() const { return dirs_.size(); }
  // Reads that went through open/read/close because the budget was spent (since creation).
  uint64_t uncachedReads() const { return uncachedReads_; }

 private:
  friend class StatDir;
  StatDir& entry(const std::string& path);
  // False when d was already validated in this scrape.
  bool startValidation(StatDir& d);
  // Opens d's directory fd when the budget allows; identity from the fd.
  void keepDirFd(StatDir& d);
  bool canKeep() const;
  // After EMFILE/ENFILE: the process limit is lower than the budget assumed. Lowers the
  // budget to half of what is open and closes other directories' fds down to it.
  void shed(const StatDir& keep);

  size_t maxFds_;
  size_t openFds_ = 0;
  uint64_t generation_ = 1;
  uint64_t uncachedReads_ = 0;
  std::unordered_map<std::string, std::unique_ptr<StatDir>> dirs_;
  std::string buffer_;
};

}  // namespace podkeeper::runtime::cgroup
