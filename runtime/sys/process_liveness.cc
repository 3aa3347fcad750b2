#include "runtime/sys/process_liveness.h"

#include <poll.h>

#include <cerrno>

#include "runtime/sys/proc.h"

namespace podkeeper::runtime {
namespace {

// A pidfd polls readable once its process exited (a zombie included).
bool exited(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, 0);
  } while (n < 0 && errno == EINTR);
  return n != 0;  // readable, or an error: not known to run
}

}  // namespace

bool ProcessLiveness::alive(pid_t pid, uint64_t startTime) {
  std::lock_guard lock(mu_);
  return aliveLocked(pid, startTime);
}

std::vector<bool> ProcessLiveness::aliveAll(const std::vector<Id>& ids) {
  std::lock_guard lock(mu_);
  std::vector<bool> out(ids.size(), false);
  // The held ones first, in one poll(); the others as alive() checks them.
  std::vector<pollfd> polled;
  std::vector<size_t> at;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = ids[i].first > 0 ? known_.find(ids[i]) : known_.end();
    if (it == known_.end() || !it->second.pidfd.valid()) continue;
    it->second.used = true;
    polled.push_back(pollfd{it->second.pidfd.get(), POLLIN, 0});
    at.push_back(i);
  }
  int n;
  do {
    n = ::poll(polled.data(), polled.size(), 0);
  } while (n < 0 && errno == EINTR);
  for (size_t k = 0; k < at.size(); ++k)
    if (n >= 0 && polled[k].revents == 0) out[at[k]] = true;
  // Readable (exited), an error, or not held: one at a time.
  for (size_t i = 0; i < ids.size(); ++i)
    if (!out[i]) out[i] = aliveLocked(ids[i].first, ids[i].second);
  return out;
}

bool ProcessLiveness::aliveLocked(pid_t pid, uint64_t startTime) {
  if (pid <= 0) return false;
  const auto id = std::make_pair(pid, startTime);
  if (auto it = known_.find(id); it != known_.end()) {
    Entry& e = it->second;
    e.used = true;
    if (!e.pidfd.valid()) return false;
    if (!exited(e.pidfd.get())) return true;
    e.pidfd.reset();
    --held_;
    return false;
  }
  if (held_ >= maxHeld_) return processAlive(pid, startTime);
  auto pidfd = openCheckedPidfd(pid, startTime);
  if (!pidfd) {
    if (pidfd.error().code != ESRCH) return processAlive(pid, startTime);  // EMFILE, ...
    known_.emplace(id, Entry{});  // gone, or the pid is another process's now
    return false;
  }
  if (exited(pidfd->get())) {
    known_.emplace(id, Entry{});
    return false;
  }
  known_.emplace(id, Entry{std::move(*pidfd), true});
  ++held_;
  return true;
}

void ProcessLiveness::sweep() {
  std::lock_guard lock(mu_);
  for (auto it = known_.begin(); it != known_.end();) {
    if (it->second.used) {
      it->second.used = false;
      ++it;
      continue;
    }
    if (it->second.pidfd.valid()) --held_;
    it = known_.erase(it);
  }
}

size_t ProcessLiveness::held() const {
  std::lock_guard lock(mu_);
  return held_;
}

size_t ProcessLiveness::known() const {
  std::lock_guard lock(mu_);
  return known_.size();
}

}  // namespace podkeeper::runtime
