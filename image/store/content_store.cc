#include "image/store/content_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

#include "common/unique_fd.h"
#include "image/oci/digest.h"
#include "runtime/sys/file_tree.h"

namespace podkeeper::image {
namespace {

Result<void> makeDir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return failSys(errno, "mkdir " + path);
  return {};
}

Result<void> fsyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return failSys(errno, "open " + dir);
  if (::fsync(fd.get()) != 0) return failSys(errno, "fsync " + dir);
  return {};
}

Result<void> writeAll(int fd, std::span<const char> data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return failSys(errno, "write " + path);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return {};
}

std::atomic<uint64_t> ingestCounter{0};

// "<hex>.<pid>.<n>": whether pid is a live process (this one counts unless ownToo).
bool writerAlive(std::string_view name, bool ownToo) {
  const auto first = name.find('.');
  const auto second = name.find('.', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) return false;
  const std::string pidText(name.substr(first + 1, second - first - 1));
  char* end = nullptr;
  const long pid = std::strtol(pidText.c_str(), &end, 10);
  if (end == pidText.c_str() || *end != '\0' || pid <= 0) return false;
  if (pid == ::getpid()) return !ownToo;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

class FileBlobWriter final : public BlobWriter {
 public:
  FileBlobWriter(Descriptor desc, std::string tmpPath, std::string finalPath, UniqueFd fd)
      : desc_(std::move(desc)),
        tmpPath_(std::move(tmpPath)),
        finalPath_(std::move(finalPath)),
        fd_(std::move(fd)) {}
  ~FileBlobWriter() override {
    if (fd_.valid() || !committed_) ::unlink(tmpPath_.c_str());
  }

  Result<void> write(std::span<const char> data) override {
    if (!fd_.valid()) return failMsg("blob " + desc_.digest + ": write after commit");
    if (written_ + static_cast<int64_t>(data.size()) > desc_.size)
      return fail(Error{EFBIG, "blob " + desc_.digest + ": more than the " +
                                   std::to_string(desc_.size) + " bytes its descriptor says"});
    hash_.update(data);
    written_ += static_cast<int64_t>(data.size());
    // Gathered into large writes: libcurl hands a body over 16 KiB at a time.
    if (pending_.size() + data.size() > kWriteBuffer) {
      if (auto r = flush(); !r) return r;
    }
    if (data.size() >= kWriteBuffer) {
      if (auto r = writeAll(fd_.get(), data, tmpPath_); !r)
        return fail(r.error().context("blob " + desc_.digest));
    } else {
      pending_.insert(pending_.end(), data.begin(), data.end());
    }
    return {};
  }

  Result<void> commit() override {
    if (!fd_.valid()) return failMsg("blob " + desc_.digest + ": committed twice");
    if (auto r = flush(); !r) return r;
    UniqueFd fd = std::move(fd_);
    if (written_ != desc_.size)
      return fail(Error{EIO, "blob " + desc_.digest + ": size " + std::to_string(written_) +
                                 ", want " + std::to_string(desc_.size) + " (truncated)"});
    const std::string got = hash_.finish();
    if (got != desc_.digest)
      return fail(Error{EIO, "blob digest mismatch: want " + desc_.digest + ", got " + got});
    if (::fsync(fd.get()) != 0) return failSys(errno, "fsync " + tmpPath_);
    fd.reset();
    if (::rename(tmpPath_.c_str(), finalPath_.c_str()) != 0)
      return failSys(errno, "rename " + tmpPath_ + " to " + finalPath_);
    committed_ = true;
    const auto slash = finalPath_.rfind('/');
    return fsyncDir(finalPath_.substr(0, slash));
  }

  int64_t written() const override { return written_; }

 private:
  static constexpr size_t kWriteBuffer = 1 << 20;

  Result<void> flush() {
    if (pending_.empty()) return {};
    auto r = writeAll(fd_.get(), pending_, tmpPath_);
    pending_.clear();
    if (!r) return fail(r.error().context("blob " + desc_.digest));
    return {};
  }

  Descriptor desc_;
  std::string tmpPath_;
  std::string finalPath_;
  UniqueFd fd_;
  Sha256 hash_;
  std::vector<char> pending_;
  int64_t written_ = 0;
  bool committed_ = false;
};

}  // namespace

BlobWriter::~BlobWriter() = default;

Result<ContentStore> ContentStore::open(const std::string& root) {
  if (auto r = makeDir(root, 0700); !r) return fail(r.error());
  if (auto r = makeDir(root + "/blobs", 0700); !r) return fail(r.error());
  if (auto r = makeDir(root + "/blobs/sha256", 0700); !r) return fail(r.error());
  if (auto r = makeDir(root + "/ingest", 0700); !r) return fail(r.error());
  ContentStore store(root);
  if (auto r = store.removeStaleIngest(true); !r) return fail(r.error());
  return store;
}

// What a crash left half-written is never a blob. Files of a live process (another agent or
// `podkeeper image` writing now) stay: each temp file names its writer's pid.
Result<size_t> ContentStore::removeStaleIngest(bool ownToo) const {
  const std::string dir = root_ + "/ingest";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return failSys(errno, "open " + dir);
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    if (!writerAlive(n, ownToo)) stale.emplace_back(n);
  }
  ::closedir(d);
  for (const auto& n : stale)
    if (auto r = runtime::removeTree(dir + "/" + n); !r) return fail(r.error());
  return stale.size();
}

std::string ContentStore::blobPath(const std::string& digest) const {
  return root_ + "/blobs/sha256/" + std::string(digestHex(digest));
}

bool ContentStore::has(const std::string& digest) const {
  if (!validateDigest(digest)) return false;
  struct stat st {};
  return ::lstat(blobPath(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<std::unique_ptr<BlobWriter>> ContentStore::openWriter(const Descriptor& desc) {
  if (auto r = validateDigest(desc.digest); !r) return fail(r.error());
  if (desc.size < 0)
    return fail(
        Error{EINVAL, "blob " + desc.digest + ": negative size " + std::to_string(desc.size)});
  const std::string tmp = root_ + "/ingest/" + std::string(digestHex(desc.digest)) + "." +
                          std::to_string(::getpid()) + "." + std::to_string(++ingestCounter);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return failSys(errno, "create " + tmp);
  if (::fchmod(fd.get(), 0644) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return failSys(err, "chmod " + tmp);
  }
  return std::make_unique<FileBlobWriter>(desc, tmp, blobPath(desc.digest), std::move(fd));
}

Result<void> ContentStore::writeBlob(const Descriptor& desc, std::string_view content) {
  if (has(desc.digest)) return {};
  auto w = openWriter(desc);
  if (!w) return fail(w.error());
  if (auto r = (*w)->write(content); !r) return r;
  return (*w)->commit();
}

Result<std::string> ContentStore::readBlob(const std::string& digest, size_t maxBytes) const {
  if (auto r = validateDigest(digest); !r) return fail(r.error());
  const std::string path = blobPath(digest);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return failSys(errno, "blob " + digest + ": open " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return failSys(errno, "fstat " + path);
  if (!S_ISREG(st.st_mode)) return fail(Error{EINVAL, "blob " + digest + ": not a file"});
  if (static_cast<uint64_t>(st.st_size) > maxBytes)
    return fail(Error{EFBIG, "blob " + digest + ": " + std::to_string(st.st_size) +
                                 " bytes, over the limit of " + std::to_string(maxBytes)});
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failSys(errno, "read " + path);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  if (const std::string got = sha256Digest(out); got != digest)
    return fail(Error{EIO, "blob digest mismatch: want " + digest + ", got " + got +
                               " (the stored blob is corrupt)"});
  return out;
}

Result<int64_t> ContentStore::blobSize(const std::string& digest) const {
  if (auto r = validateDigest(digest); !r) return fail(r.error());
  struct stat st {};
  if (::lstat(blobPath(digest).c_str(), &st) != 0)
    return failSys(errno, "blob " + digest + ": stat");
  return static_cast<int64_t>(st.st_size);
}

Result<void> ContentStore::removeBlob(const std::string& digest) {
  if (auto r = validateDigest(digest); !r) return fail(r.error());
  if (::unlink(blobPath(digest).c_str()) != 0 && errno != ENOENT)
    return failSys(errno, "remove blob " + digest);
  return {};
}

Result<std::vector<std::string>> ContentStore::list() const {
  const std::string dir = root_ + "/blobs/sha256";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return failSys(errno, "open " + dir);
  std::vector<std::string> out;
  while (const dirent* e = ::readdir(d)) {
    std::string digest = std::string(kSha256Prefix) + e->d_name;
    if (validateDigest(digest)) out.push_back(std::move(digest));
  }
  ::closedir(d);
  return out;
}

}  // namespace podkeeper::image
