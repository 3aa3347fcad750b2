#include "agent/cli/log_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace podkeeper::cli {
namespace {

void append(std::vector<std::string>& to, std::vector<std::string> more) {
  to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

}  // namespace

LogFollower::LogFollower(std::string path) : path_(std::move(path)) { reopenIfRotated(); }

std::vector<std::string> LogFollower::drain() {
  std::vector<std::string> lines;
  if (!fd_.valid()) return lines;
  char buf[64 * 1024];
  for (ssize_t n; (n = ::read(fd_.get(), buf, sizeof buf)) > 0;)
    append(lines, assembler_.feed(std::string_view(buf, static_cast<size_t>(n))));
  return lines;
}

// True when path now names another file than the one open (created, or rotated away).
bool LogFollower::reopenIfRotated() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return false;
  if (fd_.valid() && st.st_ino == inode_) return false;
  UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  fd_ = std::move(fd);
  inode_ = st.st_ino;
  return true;
}

std::vector<std::string> LogFollower::poll() {
  auto lines = drain();
  if (reopenIfRotated()) append(lines, drain());
  return lines;
}

std::vector<std::string> LogFollower::switchTo(std::string path) {
  auto lines = drain();
  if (auto rest = assembler_.flush()) lines.push_back(std::move(*rest));
  path_ = std::move(path);
  fd_.reset();
  inode_ = 0;
  if (reopenIfRotated()) append(lines, drain());
  return lines;
}

}  // namespace podkeeper::cli
