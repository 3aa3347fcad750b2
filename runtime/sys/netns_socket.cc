#include "runtime/sys/netns_socket.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <thread>

#include "common/unique_fd.h"

namespace podkeeper::runtime {

Result<int> openSocketInNetns(const std::string& nsPath, int family) {
  UniqueFd ns(::open(nsPath.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns.valid()) return failSys(errno, "open network namespace " + nsPath);
  int fd = -1, err = 0;
  const char* step = "";
  std::thread([&] {
    if (::setns(ns.get(), CLONE_NEWNET) != 0) {
      err = errno, step = "setns ";
      return;
    }
    fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) err = errno, step = "socket in ";
  }).join();
  if (fd < 0) return failSys(err, std::string(step) + nsPath);
  return fd;
}

}  // namespace podkeeper::runtime
