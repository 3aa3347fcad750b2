#include "runtime/sys/small_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "common/unique_fd.h"
#include "runtime/sys/syscalls.h"

namespace podkeeper::runtime {

Result<std::string> readSmallFileAt(int rootFd, const std::string& path, const SmallFileRead& how,
                                    const std::string& name) {
  open_how o{};
  o.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  o.resolve = RESOLVE_NO_MAGICLINKS;
  if (how.followSymlinksInRoot) {
    o.resolve |= RESOLVE_IN_ROOT;
  } else {
    o.flags |= O_NOFOLLOW;
    o.resolve |= RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
  }
  const auto start = path.find_first_not_of('/');
  const std::string relative = start == std::string::npos ? "." : path.substr(start);
  UniqueFd fd(sys::openat2(rootFd, relative.c_str(), o));
  if (!fd.valid()) return failSys(errno, "open " + name);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return failSys(errno, "stat " + name);
  if (!S_ISREG(st.st_mode)) return failMsg(name + ": not a regular file");
  const auto limit = how.maxBytes;
  const auto tooBig = [&](uint64_t size) {
    return failMsg(name + ": larger than " + std::to_string(limit) + " bytes (" +
                   std::to_string(size) + ")");
  };
  if (!how.truncate && static_cast<uint64_t>(st.st_size) > limit) return tooBig(st.st_size);
  // Reads up to one byte past the limit: that byte tells a file that grew since fstat from
  // one that fits. The buffer starts at the size fstat gave (plus that byte) and grows only
  // if the file did: a limit of a megabyte must not cost a megabyte per read.
  const size_t want = limit + 1;
  std::string text(std::min<uint64_t>(static_cast<uint64_t>(st.st_size) + 1, want), '\0');
  size_t len = 0;
  while (len < want) {
    if (len == text.size()) text.resize(std::min(want, std::max<size_t>(2 * len, 4096)));
    const ssize_t n = ::read(fd.get(), text.data() + len, text.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failSys(errno, "read " + name);
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  if (len > limit && !how.truncate) return tooBig(len);
  text.resize(std::min(len, limit));
  return text;
}

Result<std::string> readSmallFile(const std::string& root, const std::string& path,
                                  const SmallFileRead& how) {
  const std::string name = root + "/" + path;
  UniqueFd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return failSys(errno, "open " + root);
  return readSmallFileAt(dir.get(), path, how, name);
}

}  // namespace podkeeper::runtime
