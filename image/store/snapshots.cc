#include "image/store/snapshots.h"

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
#include "image/unpack/layer_unpack.h"
#include "runtime/sys/file_tree.h"

namespace podkeeper::image {
namespace {

constexpr std::string_view kStagingPrefix = ".staging-";
std::atomic<uint64_t> stagingCounter{0};

}  // namespace

Result<SnapshotStore> SnapshotStore::open(const std::string& root) {
  if (::mkdir(root.c_str(), 0700) != 0 && errno != EEXIST) return failSys(errno, "mkdir " + root);
  SnapshotStore store(root);
  if (auto r = store.removeStaleStaging(true); !r) return fail(r.error());
  return store;
}

Result<size_t> SnapshotStore::removeStaleStaging(bool ownToo) const {
  DIR* d = ::opendir(root_.c_str());
  if (d == nullptr) return failSys(errno, "open " + root_);
  std::vector<std::string> staging;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view n = e->d_name;
    if (!n.starts_with(kStagingPrefix)) continue;
    // ".staging-<pid>-<n>" of a live process is an unpack under way; ".staging-rm-*" is a
    // removal that did not finish.
    const std::string rest(n.substr(kStagingPrefix.size()));
    char* end = nullptr;
    const long pid = std::strtol(rest.c_str(), &end, 10);
    const bool ours = pid == ::getpid();
    const bool live = end != rest.c_str() && *end == '-' && pid > 0 &&
                      (ours ? !ownToo : ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
    if (!live) staging.emplace_back(n);
  }
  ::closedir(d);
  for (const auto& s : staging)
    if (auto r = runtime::removeTree(root_ + "/" + s); !r) return fail(r.error());
  return staging.size();
}

std::string SnapshotStore::path(const std::string& chainId) const {
  return root_ + "/" + std::string(digestHex(chainId));
}

bool SnapshotStore::has(const std::string& chainId) const {
  if (!validateDigest(chainId)) return false;
  struct stat st {};
  return ::lstat(path(chainId).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<void> SnapshotStore::unpack(const std::string& chainId, const std::string& blobPath,
                                   const std::string& layerDigest, const std::string& diffId,
                                   const LowerLayers& lowers) {
  if (has(chainId)) return {};
  UniqueFd blob(::open(blobPath.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!blob.valid()) return failSys(errno, "layer " + layerDigest + ": open " + blobPath);
  return unpackStream(chainId, blob.get(), layerDigest, diffId, lowers);
}

Result<void> SnapshotStore::unpackStream(const std::string& chainId, int layerFd,
                                         const std::string& layerDigest, const std::string& diffId,
                                         const LowerLayers& lowers) {
  if (auto r = validateDigest(chainId); !r) return fail(r.error());
  if (has(chainId)) return {};
  const std::string staging = root_ + "/" + std::string(kStagingPrefix) +
                              std::to_string(::getpid()) + "-" + std::to_string(++stagingCounter);
  if (::mkdir(staging.c_str(), 0755) != 0) return failSys(errno, "mkdir " + staging);
  auto cleanup = [&](Error e) {
    (void)runtime::removeTree(staging);
    return fail(std::move(e));
  };
  UniqueFd dir(::open(staging.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return cleanup(Error::sys(errno, "open " + staging));
  auto stats = applyLayer(layerFd, dir.get(), layerDigest, lowers);
  if (!stats) return cleanup(stats.error());
  if (stats->digest != layerDigest)
    return cleanup(
        Error{EIO, "layer digest mismatch: want " + layerDigest + ", got " + stats->digest});
  if (stats->diffId != diffId)
    return cleanup(Error{EBADMSG, "layer " + layerDigest + ": uncompressed digest " +
                                      stats->diffId + " is not " + diffId +
                                      ", the image config's rootfs.diff_ids entry for it"});
  if (::syncfs(dir.get()) != 0) return cleanup(Error::sys(errno, "sync " + staging));
  dir.reset();
  const std::string target = path(chainId);
  if (::rename(staging.c_str(), target.c_str()) != 0) {
    const int err = errno;
    // Another unpack of the same chain won the race: its snapshot is as good as ours.
    if ((err == EEXIST || err == ENOTEMPTY) && has(chainId)) {
      (void)runtime::removeTree(staging);
      return {};
    }
    return cleanup(Error::sys(err, "rename " + staging + " to " + target));
  }
  UniqueFd rootFd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (rootFd.valid()) ::fsync(rootFd.get());
  return {};
}

Result<void> SnapshotStore::remove(const std::string& chainId) {
  if (auto r = validateDigest(chainId); !r) return fail(r.error());
  // Renamed out of the way first: a half-removed snapshot never looks like a whole one.
  const std::string doomed = root_ + "/" + std::string(kStagingPrefix) + "rm-" +
                             std::string(digestHex(chainId)) + "-" +
                             std::to_string(++stagingCounter);
  if (::rename(path(chainId).c_str(), doomed.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return failSys(errno, "rename " + path(chainId));
  }
  return runtime::removeTree(doomed);
}

Result<std::vector<std::string>> SnapshotStore::list() const {
  DIR* d = ::opendir(root_.c_str());
  if (d == nullptr) return failSys(errno, "open " + root_);
  std::vector<std::string> out;
  while (const dirent* e = ::readdir(d)) {
    std::string id = std::string(kSha256Prefix) + e->d_name;
    if (validateDigest(id)) out.push_back(std::move(id));
  }
  ::closedir(d);
  return out;
}

}  // namespace podkeeper::image
