#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "common/unique_fd.h"

namespace podkeeper::runtime {

// Whether recorded processes (a pid and its start time, as state.json keeps them) still run,
// through pidfds held between calls: the first check opens a pidfd and compares the start
// time (processAlive's rule), every later one is a poll() of that pidfd instead of opening
// and parsing /proc/PID/stat. Two checks per container at every resync were a third of an
// idle agent's CPU. A process found gone stays gone (a pid with that start time never comes
// back). Thread-safe. Holds at most `maxHeld` pidfds; past that, or when a pidfd cannot be
// opened for another reason than the process being gone (EMFILE), it reads /proc as before.
class ProcessLiveness {
 public:
  explicit ProcessLiveness(size_t maxHeld = 2048) : maxHeld_(maxHeld) {}

  // Runs (exists and is not a zombie) and started at startTime.
  bool alive(pid_t pid, uint64_t startTime);
  // alive() of each, with the held pidfds polled in one call: a list of 100 pods checks 200
  // processes, and 200 poll() calls were a tenth of an idle agent's CPU.
  using Id = std::pair<pid_t, uint64_t>;
  std::vector<bool> aliveAll(const std::vector<Id>& ids);
  // Forgets every process not asked about since the previous sweep (its container is gone);
  // called after each full list.
  void sweep();
  size_t held() const;
  size_t known() const;

 private:
  struct Entry {
    UniqueFd pidfd;  // invalid once gone
    bool used = true;
  };
  mutable std::mutex mu_;
  bool aliveLocked(pid_t pid, uint64_t startTime);
  std::map<Id, Entry> known_;
  size_t maxHeld_;
  size_t held_ = 0;
};

}  // namespace podkeeper::runtime
