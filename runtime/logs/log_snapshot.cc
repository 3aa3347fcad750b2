#include "runtime/logs/log_snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <utility>

namespace podkeeper::runtime {

LogFileSnapshot::LogFileSnapshot(std::string path) : path_(std::move(path)) {
  for (const auto& name : rotatedFiles(path_)) {
    File f;
    f.fd = UniqueFd(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (!f.fd.valid() || ::fstat(f.fd.get(), &st) != 0) continue;
    f.inode = st.st_ino;
    f.size = st.st_size;
    f.current = name == path_;
    files_.push_back(std::move(f));
  }
}

std::vector<TimedLine> LogFileSnapshot::next(size_t maxBytes) {
  std::vector<TimedLine> lines;
  std::array<char, 64 * 1024> buf;
  size_t total = 0;
  while (total < maxBytes && !done()) {
    File& f = files_[file_];
    const auto want = std::min<off_t>(static_cast<off_t>(buf.size()), f.size - f.read);
    const ssize_t n = want > 0 ? ::read(f.fd.get(), buf.data(), static_cast<size_t>(want)) : 0;
    if (n <= 0) {  // the end of this file as it was (or it was truncated under us)
      ++file_;
      continue;
    }
    f.read += n;
    total += static_cast<size_t>(n);
    auto more = assembler_.feedTimed(std::string_view(buf.data(), static_cast<size_t>(n)));
    lines.insert(lines.end(), std::make_move_iterator(more.begin()),
                 std::make_move_iterator(more.end()));
  }
  return lines;
}

void LogFileSnapshot::rewind() {
  for (auto& f : files_) {
    ::lseek(f.fd.get(), 0, SEEK_SET);
    f.read = 0;
  }
  file_ = 0;
  assembler_ = CriLogAssembler();
}

LogFollower LogFileSnapshot::follower() && {
  if (files_.empty() || !files_.back().current)
    return LogFollower(path_, UniqueFd(), 0, std::move(assembler_));
  File& f = files_.back();
  return LogFollower(path_, std::move(f.fd), f.inode, std::move(assembler_));
}

}  // namespace podkeeper::runtime
