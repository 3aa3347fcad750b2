#include "reconciler/work_queue.h"

#include <algorithm>

namespace podkeeper::reconciler {

void WorkQueue::add(const std::string& key) {
  delayed_.erase(key);
  if (processing_.contains(key)) {
    dirty_.insert(key);
    return;
  }
  if (readySet_.insert(key).second) ready_.push_back(key);
}

void WorkQueue::addFront(const std::string& key) {
  delayed_.erase(key);
  if (processing_.contains(key)) {
    dirty_.insert(key);
    return;
  }
  if (!readySet_.insert(key).second) ready_.erase(std::find(ready_.begin(), ready_.end(), key));
  ready_.push_front(key);
}

void WorkQueue::addAt(const std::string& key, int64_t dueNs) {
  if (readySet_.contains(key) || dirty_.contains(key)) return;
  auto it = delayed_.find(key);
  if (it == delayed_.end() || dueNs < it->second) delayed_[key] = dueNs;
}

void WorkQueue::promoteDue(int64_t nowNs) {
  for (auto it = delayed_.begin(); it != delayed_.end();) {
    if (it->second <= nowNs) {
      std::string key = it->first;
      it = delayed_.erase(it);
      add(key);
    } else {
      ++it;
    }
  }
}

std::optional<std::string> WorkQueue::pop(int64_t nowNs) {
  promoteDue(nowNs);
  if (ready_.empty()) return std::nullopt;
  std::string key = ready_.front();
  ready_.pop_front();
  readySet_.erase(key);
  processing_.insert(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  processing_.erase(key);
  if (dirty_.erase(key) > 0) add(key);
}

int64_t WorkQueue::fail(const std::string& key, int64_t nowNs) {
  size_t n = failures_[key]++;
  int64_t delay = backoff_.initialNs;
  for (size_t i = 0; i < n && delay < backoff_.maxNs; ++i) delay *= 2;
  delay = std::min(delay, backoff_.maxNs);
  addAt(key, nowNs + delay);
  return delay;
}

void WorkQueue::forget(const std::string& key) { failures_.erase(key); }

std::optional<int64_t> WorkQueue::nextDueNs() const {
  std::optional<int64_t> next;
  for (const auto& [key, due] : delayed_)
    if (!next || due < *next) next = due;
  return next;
}

size_t WorkQueue::failures(const std::string& key) const {
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace podkeeper::reconciler
