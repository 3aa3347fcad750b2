#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace podkeeper::reconciler {

// The controller-runtime work queue, without threads: a key is queued at most once; a key
// being worked on is re-queued when done if it was added meanwhile; failures re-queue with
// per-key exponential back-off that success resets. Time is passed in.
class WorkQueue {
 public:
  struct Backoff {
    int64_t initialNs;
    int64_t maxNs;
  };
  explicit WorkQueue(Backoff backoff) : backoff_(backoff) {}

  void add(const std::string& key);
  // As add, but ahead of every ready key (moved there when already queued); a key being
  // processed is marked as add does. For a key whose step just settled: one pod's start or
  // stop runs on to its end before pods queued after it begin, as a kubelet pod worker
  // carries one pod's sync through.
  void addFront(const std::string& key);
  // Queue no later than dueNs (an earlier request for the same key wins).
  void addAt(const std::string& key, int64_t dueNs);
  // The next ready key, now marked as being worked on; nullopt when none is ready.
  std::optional<std::string> pop(int64_t nowNs);
  void done(const std::string& key);
  // Re-queues after the key's back-off and returns that delay.
  int64_t fail(const std::string& key, int64_t nowNs);
  void forget(const std::string& key);  // resets the key's back-off

  // When the earliest delayed key becomes ready, for arming one timer.
  std::optional<int64_t> nextDueNs() const;
  bool hasReady() const { return !ready_.empty(); }
  bool isProcessing(const std::string& key) const { return processing_.contains(key); }
  size_t readyCount() const { return ready_.size(); }
  size_t failures(const std::string& key) const;

 private:
  void promoteDue(int64_t nowNs);

  Backoff backoff_;
  std::deque<std::string> ready_;
  std::set<std::string> readySet_;
  std::map<std::string, int64_t> delayed_;  // key -> due time
  std::set<std::string> processing_;
  std::set<std::string> dirty_;  // added while processing
  std::map<std::string, size_t> failures_;
};

}  // namespace podkeeper::reconciler
