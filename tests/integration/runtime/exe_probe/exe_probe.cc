// What a hostile container can do with another process's /proc/<pid>/exe (CVE-2019-5736):
// for the path given, prints one "<what>=<answer>" line each:
//   readlink=<target>        where the link says it leads
//   inode=<dev>:<ino>        the file reached through it (open O_PATH, as the attack does)
//   writable=<yes|ERRNO>     whether it opens for writing and takes a write (the byte already
//                            at offset 0 is written back, so nothing changes either way)
//   seals=<hex>              F_GET_SEALS of the file opened read-only
// An answer that failed is the errno's name. Statically linked: it runs in any rootfs.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace {

const char* errnoName(int err) {
  const char* name = ::strerrorname_np(err);
  return name ? name : "?";
}

void readlinkLine(const char* path) {
  char target[4096];
  const ssize_t n = ::readlink(path, target, sizeof target - 1);
  if (n < 0) {
    std::printf("readlink=%s\n", errnoName(errno));
    return;
  }
  target[n] = '\0';
  std::printf("readlink=%s\n", target);
}

void inodeLine(const char* path) {
  const int fd = ::open(path, O_PATH | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    std::printf("inode=%s\n", errnoName(errno));
  } else {
    std::printf("inode=%llu:%llu\n", static_cast<unsigned long long>(st.st_dev),
                static_cast<unsigned long long>(st.st_ino));
  }
  if (fd >= 0) ::close(fd);
}

void writableLine(const char* path) {
  char first = 0;
  const int ro = ::open(path, O_RDONLY | O_CLOEXEC);
  if (ro >= 0) {
    (void)!::pread(ro, &first, 1, 0);
    ::close(ro);
  }
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    std::printf("writable=%s\n", errnoName(errno));
    return;
  }
  const ssize_t n = ::pwrite(fd, &first, 1, 0);
  std::printf("writable=%s\n", n == 1 ? "yes" : errnoName(errno));
  ::close(fd);
}

void sealsLine(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  const int seals = fd < 0 ? -1 : ::fcntl(fd, F_GET_SEALS);
  if (seals < 0) {
    std::printf("seals=%s\n", errnoName(errno));
  } else {
    std::printf("seals=%x\n", static_cast<unsigned>(seals));
  }
  if (fd >= 0) ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: exe_probe /proc/<pid>/exe\n");
    return 2;
  }
  readlinkLine(argv[1]);
  inodeLine(argv[1]);
  writableLine(argv[1]);
  sealsLine(argv[1]);
  return 0;
}
