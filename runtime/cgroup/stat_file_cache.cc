#include "runtime/cgroup/stat_file_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/cgroup/file_parsers.h"

namespace podkeeper::runtime::cgroup {
namespace {

constexpr size_t kMinBuffer = 4096;

bool outOfFds(int err) { return err == EMFILE || err == ENFILE; }
// A removed cgroup: kept fds fail with ENODEV, opens under its directory with ENOENT.
bool removed(int err) { return err == ENODEV || err == ENOENT; }

// pread at offset 0 until a read leaves room in buf: a cgroup stat file is one seq_file
// record, produced whole by the first read at offset 0 (and a fixture is a regular file).
// Saves the second read(2) that only confirms the end.
ssize_t preadRecord(int fd, std::string& buf) {
  if (buf.size() < kMinBuffer) buf.resize(kMinBuffer);
  size_t len = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buf.data() + len, buf.size() - len, static_cast<off_t>(len));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    len += static_cast<size_t>(n);
    if (len < buf.size()) return static_cast<ssize_t>(len);
    buf.resize(buf.size() * 2);
  }
}

// read(2) to the end, for files of many records (pid lists), whose reads may stop early.
ssize_t readToEnd(int fd, std::string& buf) {
  if (buf.size() < kMinBuffer) buf.resize(kMinBuffer);
  size_t len = 0;
  for (;;) {
    if (len == buf.size()) buf.resize(buf.size() * 2);
    const ssize_t n = ::read(fd, buf.data() + len, buf.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) return static_cast<ssize_t>(len);
    len += static_cast<size_t>(n);
  }
}

}  // namespace

StatDir::File* StatDir::find(const char* name) {
  for (File& f : files_) {
    if (f.name == name || std::strcmp(f.name, name) == 0) return &f;
  }
  return nullptr;
}

void StatDir::closeFds() {
  cache_.openFds_ -= files_.size() + (dir_.valid() ? 1 : 0);
  files_.clear();
  dir_.reset();
}

void StatDir::markGone() {
  gone_ = true;
  closeFds();
}

std::optional<std::string_view> StatDir::tryRead(const char* name, std::string& buf) {
  if (gone_) return std::nullopt;
  File* f = dir_.valid() ? find(name) : nullptr;
  if (!f) {
    if (!dir_.valid() || !cache_.canKeep()) return readUncached(name, buf);
    const int fd = ::openat(dir_.get(), name, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && outOfFds(errno)) {
      cache_.shed(*this);
      return readUncached(name, buf);
    }
    if (fd < 0) return std::nullopt;  // absent here (not every file exists in every mode)
    files_.push_back({name, UniqueFd(fd)});
    ++cache_.openFds_;
    f = &files_.back();
  }
  const ssize_t n = preadRecord(f->fd.get(), buf);
  if (n < 0) {
    if (errno == ENODEV) markGone();  // removed since dir() checked it
    return std::nullopt;
  }
  return std::string_view(buf.data(), static_cast<size_t>(n));
}

std::optional<uint64_t> StatDir::tryReadUint(const char* name, std::string& buf) {
  auto text = tryRead(name, buf);
  return text ? parseUint(*text) : std::nullopt;
}

std::optional<std::string_view> StatDir::readUncached(const char* name, std::string& buf) {
  auto text = readFresh(name, buf);
  if (!text) return std::nullopt;
  ++cache_.uncachedReads_;
  return *text;
}

Result<std::string_view> StatDir::readFresh(const char* name, std::string& buf) {
  const auto open = [&] {
    return dir_.valid() ? ::openat(dir_.get(), name, O_RDONLY | O_CLOEXEC)
                        : ::open((path_ + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
  };
  UniqueFd fd(open());
  if (!fd.valid() && outOfFds(errno)) {
    cache_.shed(*this);
    fd.reset(open());
  }
  if (!fd.valid()) return failSys(errno, "open " + path_ + "/" + name);
  const ssize_t n = readToEnd(fd.get(), buf);
  if (n < 0) {
    const int err = errno;
    if (err == ENODEV) markGone();
    return failSys(err, "read " + path_ + "/" + name);
  }
  return std::string_view(buf.data(), static_cast<size_t>(n));
}

Result<const std::vector<std::string>*> StatDir::children() {
  children_.clear();
  // A directory's link count is 2 plus its subdirectories (cgroupfs and tmpfs keep it so;
  // filesystems that do not never report exactly 2): most cgroups have no children.
  if (nlink_ == 2) return &children_;
  if (!dir_.valid()) return childrenByPath();
  if (::lseek(dir_.get(), 0, SEEK_SET) < 0) return failSys(errno, "seek " + path_);
  alignas(dirent64) char block[8192];
  for (;;) {
    const ssize_t n = ::getdents64(dir_.get(), block, sizeof block);
    if (n < 0) return failSys(errno, "getdents " + path_);
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      const auto* e = reinterpret_cast<const dirent64*>(block + off);
      off += e->d_reclen;
      const std::string_view name = e->d_name;
      if (e->d_type == DT_DIR && name != "." && name != "..") children_.emplace_back(name);
    }
  }
  return &children_;
}

Result<const std::vector<std::string>*> StatDir::childrenByPath() {
  DIR* d = ::opendir(path_.c_str());
  if (!d) return failSys(errno, "opendir " + path_);
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (e->d_type == DT_DIR && name != "." && name != "..") children_.emplace_back(name);
  }
  ::closedir(d);
  return &children_;
}

bool StatFileCache::canKeep() const { return openFds_ < maxFds_; }

StatDir& StatFileCache::entry(const std::string& path) {
  auto it = dirs_.find(path);
  if (it == dirs_.end()) {
    it = dirs_.emplace(path, std::unique_ptr<StatDir>(new StatDir(*this, path))).first;
  }
  return *it->second;
}

bool StatFileCache::startValidation(StatDir& d) {
  if (d.validatedIn_ == generation_) return false;
  d.validatedIn_ = generation_;
  d.gone_ = false;
  d.subtreeTasks.reset();
  return true;
}

void StatFileCache::keepDirFd(StatDir& d) {
  if (!canKeep()) return;
  UniqueFd fd(::open(d.path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() && outOfFds(errno)) shed(d);
  struct stat st {};
  // Identity from the fd itself, so a recreation between stat and open is seen next time.
  if (fd.valid() && ::fstat(fd.get(), &st) == 0) {
    d.dir_ = std::move(fd);
    ++openFds_;
    d.dev_ = st.st_dev;
    d.ino_ = st.st_ino;
    d.nlink_ = st.st_nlink;
  }
}

Result<StatDir*> StatFileCache::dir(const std::string& path) {
  StatDir& d = entry(path);
  if (!startValidation(d)) {
    if (d.gone_) return failSys(ENOENT, "cgroup " + path);
    return &d;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    d.markGone();
    return failSys(removed(err) ? ENOENT : err, "stat " + path);
  }
  // Removed and recreated at the same path since the last scrape: a new cgroup.
  if (d.dir_.valid() && (st.st_ino != d.ino_ || st.st_dev != d.dev_)) d.closeFds();
  d.nlink_ = st.st_nlink;
  if (!d.dir_.valid()) {
    d.dev_ = st.st_dev;
    d.ino_ = st.st_ino;
    keepDirFd(d);
  }
  return &d;
}

Result<StatDir*> StatFileCache::dir(const std::string& path, uint64_t tiedTo) {
  StatDir& d = entry(path);
  if (!startValidation(d)) {
    if (d.gone_) return failSys(ENOENT, "cgroup " + path);
    return &d;
  }
  if (d.tiedTo_ != tiedTo) {
    d.closeFds();
    d.tiedTo_ = tiedTo;
  }
  d.nlink_ = 0;  // not looked at: children() reads the directory
  if (d.dir_.valid()) return &d;
  keepDirFd(d);
  // Beyond the budget: one stat, so a cgroup that is gone is not read file by file.
  struct stat st {};
  if (!d.dir_.valid() && ::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    d.markGone();
    return failSys(removed(err) ? ENOENT : err, "stat " + path);
  }
  return &d;
}

void StatFileCache::sweep() {
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    StatDir& d = *it->second;
    if (d.validatedIn_ == generation_ && !d.gone_) {
      ++it;
      continue;
    }
    d.closeFds();
    it = dirs_.erase(it);
  }
  ++generation_;
}

void StatFileCache::shed(const StatDir& keep) {
  maxFds_ = openFds_ / 2;
  for (auto& [path, d] : dirs_) {
    if (openFds_ <= maxFds_) break;
    if (d.get() != &keep) d->closeFds();
  }
}

}  // namespace podkeeper::runtime::cgroup
