#include "runtime/logs/log_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace podkeeper::runtime {
namespace {

std::vector<std::string> texts(std::vector<TimedLine> lines) {
  std::vector<std::string> out;
  for (auto& line : lines) out.push_back(std::move(line.text));
  return out;
}

void append(std::vector<TimedLine>& to, std::vector<TimedLine> more) {
  to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

}  // namespace

LogFollower::LogFollower(std::string path) : path_(std::move(path)) { reopenIfRotated(); }

LogFollower::LogFollower(std::string path, UniqueFd fd, ino_t inode, CriLogAssembler assembler)
    : path_(std::move(path)), fd_(std::move(fd)), inode_(inode), assembler_(std::move(assembler)) {
  if (!fd_.valid()) reopenIfRotated();
}

bool LogFollower::drain(std::vector<TimedLine>& lines, size_t maxBytes) {
  if (!fd_.valid()) return true;
  char buf[64 * 1024];
  size_t total = 0;
  for (ssize_t n; total < maxBytes && (n = ::read(fd_.get(), buf, sizeof buf)) > 0;) {
    total += static_cast<size_t>(n);
    append(lines, assembler_.feedTimed(std::string_view(buf, static_cast<size_t>(n))));
  }
  return total < maxBytes;
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

std::vector<std::string> LogFollower::poll() { return texts(pollTimed()); }

std::vector<TimedLine> LogFollower::pollTimed(size_t maxBytes) {
  std::vector<TimedLine> lines;
  // Rotation is looked at only once the old file is read to its end.
  if (drain(lines, maxBytes) && reopenIfRotated()) drain(lines, maxBytes);
  return lines;
}

std::vector<std::string> LogFollower::switchTo(std::string path) {
  return texts(switchToTimed(std::move(path)));
}

std::vector<TimedLine> LogFollower::switchToTimed(std::string path) {
  std::vector<TimedLine> lines;
  drain(lines, SIZE_MAX);
  if (auto rest = assembler_.flushTimed()) lines.push_back(std::move(*rest));
  path_ = std::move(path);
  fd_.reset();
  inode_ = 0;
  if (reopenIfRotated()) drain(lines, SIZE_MAX);
  return lines;
}

}  // namespace podkeeper::runtime
