#include "image/store/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

namespace podkeeper::image {

Result<FileLock> FileLock::acquire(const std::string& path, bool exclusive) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return failSys(errno, "open " + path);
  while (::flock(fd.get(), exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno != EINTR) return failSys(errno, "lock " + path);
  }
  return FileLock(std::move(fd));
}

}  // namespace podkeeper::image
