#include "metrics/net_dev.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

namespace podkeeper::metrics {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<InterfaceStats> parseNetDev(std::string_view text) {
  std::vector<InterfaceStats> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // the two header lines
    InterfaceStats s;
    s.name = std::string(trim(line.substr(0, colon)));
    if (s.name.empty() || s.name == "lo" || s.name.find('|') != std::string::npos) continue;
    uint64_t v[16] = {};
    std::string_view rest = line.substr(colon + 1);
    int n = 0;
    while (n < 16) {
      rest = trim(rest);
      if (rest.empty()) break;
      auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v[n]);
      if (ec != std::errc()) break;
      rest.remove_prefix(static_cast<size_t>(ptr - rest.data()));
      ++n;
    }
    if (n < 16) continue;
    // Receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes
    // packets errs drop fifo colls carrier compressed.
    s.rxBytes = v[0], s.rxPackets = v[1], s.rxErrors = v[2], s.rxDropped = v[3];
    s.txBytes = v[8], s.txPackets = v[9], s.txErrors = v[10], s.txDropped = v[11];
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(),
            [](const InterfaceStats& a, const InterfaceStats& b) { return a.name < b.name; });
  return out;
}

std::vector<InterfaceStats> NetDevFiles::read(const std::string& podUid, pid_t pid) {
  if (pid <= 0) return {};
  File& f = files_[podUid];
  f.used = true;
  if (f.pid != pid || !f.fd.valid()) {
    f.pid = pid;
    f.fd.reset(::open(("/proc/" + std::to_string(pid) + "/net/dev").c_str(), O_RDONLY | O_CLOEXEC));
  }
  if (!f.fd.valid()) return {};
  buffer_.resize(64 * 1024);
  size_t got = 0;
  for (;;) {
    const ssize_t r =
        ::pread(f.fd.get(), buffer_.data() + got, buffer_.size() - got, static_cast<off_t>(got));
    if (r < 0) {
      f.fd.reset();  // the process is gone: reopened through the next pid
      return {};
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
    if (got == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  }
  return parseNetDev(std::string_view(buffer_.data(), got));
}

void NetDevFiles::sweep() {
  std::erase_if(files_, [](auto& entry) { return !entry.second.used; });
  for (auto& [uid, f] : files_) f.used = false;
}

}  // namespace podkeeper::metrics
