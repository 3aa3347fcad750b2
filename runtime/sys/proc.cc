#include "runtime/sys/proc.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <string>

#include "runtime/sys/atomic_file.h"
#include "runtime/sys/syscalls.h"

namespace podkeeper::runtime {

Result<uint64_t> parseProcStatStartTime(std::string_view stat) {
  const auto close = stat.rfind(')');
  if (close == stat.npos) return failMsg("/proc stat line without command name");
  std::string_view rest = stat.substr(close + 1);
  // After the name: field 3 (state) onwards; start time is field 22.
  for (int field = 3; field <= 22; ++field) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const auto end = rest.find(' ');
    const std::string_view token = rest.substr(0, end);
    if (token.empty()) return failMsg("/proc stat line has fewer than 22 fields");
    if (field == 22) {
      uint64_t value = 0;
      const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
      if (ec != std::errc{} || ptr != token.data() + token.size()) {
        return failMsg("/proc stat start time \"" + std::string(token) + "\" is not a number");
      }
      return value;
    }
    if (end == rest.npos) return failMsg("/proc stat line has fewer than 22 fields");
    rest.remove_prefix(end);
  }
  return failMsg("unreachable");
}

Result<char> parseProcStatState(std::string_view stat) {
  const auto close = stat.rfind(')');
  if (close == stat.npos || close + 2 >= stat.size()) {
    return failMsg("/proc stat line without a state");
  }
  return stat[close + 2];
}

Result<uint64_t> readProcStartTime(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  auto text = readWholeFile(path);
  if (!text) return fail(text.error());
  auto start = parseProcStatStartTime(*text);
  if (!start) return fail(start.error().context(path));
  return start;
}

bool processAlive(pid_t pid, uint64_t startTime) {
  if (pid <= 0) return false;
  // Called for every container at every resync: one read into the stack (a stat line is a
  // few hundred bytes; comm is at most 16), no allocation.
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n <= 0) return false;
  std::string longer;  // a line that filled the buffer: read whole, as it may be longer
  if (static_cast<size_t>(n) == sizeof buf) {
    auto whole = readWholeFile(path);
    if (!whole) return false;
    longer = std::move(*whole);
  }
  const std::string_view text =
      longer.empty() ? std::string_view(buf, static_cast<size_t>(n)) : std::string_view(longer);
  auto start = parseProcStatStartTime(text);
  auto state = parseProcStatState(text);
  return start && *start == startTime && state && *state != 'Z';
}

Result<UniqueFd> openCheckedPidfd(pid_t pid, uint64_t startTime) {
  if (pid <= 0) return failMsg("no process recorded (pid " + std::to_string(pid) + ")");
  UniqueFd fd(sys::pidfdOpen(pid));
  if (!fd.valid()) return failSys(errno, "pidfd_open " + std::to_string(pid));
  // Checked after opening: from here on the pidfd pins the process we compared.
  auto start = readProcStartTime(pid);
  if (!start || *start != startTime) {
    return failSys(ESRCH, "process " + std::to_string(pid) + " is no longer the recorded one");
  }
  return fd;
}

int64_t realtimeNowNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace podkeeper::runtime
