#include "agent/fd_limit.h"

#include <sys/resource.h>

#include <cerrno>

namespace podkeeper::agent {

Result<OpenFileLimit> raiseOpenFileLimit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return failSys(errno, "getrlimit RLIMIT_NOFILE");
  OpenFileLimit out{lim.rlim_cur, lim.rlim_cur, lim.rlim_max};
  if (lim.rlim_cur == lim.rlim_max) return out;
  lim.rlim_cur = lim.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) return failSys(errno, "setrlimit RLIMIT_NOFILE");
  out.soft = lim.rlim_cur;
  return out;
}

}  // namespace podkeeper::agent
