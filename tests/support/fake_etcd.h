#pragma once

#include <atomic>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "etcd/etcd_client.h"

// An in-memory EtcdClient for unit tests: keys, revisions, leases (revoke deletes their keys),
// no watch (watchPrefixes returns Failed at once). Thread-safe: writers run on threads.
namespace podkeeper::support {

class FakeEtcd final : public etcd::EtcdClient {
 public:
  Result<etcd::RangeResult> rangePrefix(const std::string& prefix, int64_t) override {
    std::lock_guard lock(mu_);
    if (down) return failMsg("fake etcd: down");
    etcd::RangeResult r;
    r.revision = revision_;
    for (const auto& [k, v] : kv_)
      if (k.starts_with(prefix)) r.kvs.push_back({k, v.first, 0, v.second});
    return r;
  }
  Result<int64_t> put(const std::string& key, const std::string& value, int64_t lease) override {
    std::lock_guard lock(mu_);
    if (down) return failMsg("fake etcd: down");
    if (lease != 0 && !leases_.contains(lease)) return failMsg("fake etcd: no lease");
    kv_[key] = {value, lease};
    ++puts;
    return ++revision_;
  }
  Result<int64_t> remove(const std::string& key, bool prefix) override {
    std::lock_guard lock(mu_);
    if (down) return failMsg("fake etcd: down");
    int64_t n = 0;
    for (auto it = kv_.begin(); it != kv_.end();) {
      if (prefix ? it->first.starts_with(key) : it->first == key) {
        it = kv_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    if (n) ++revision_;
    return n;
  }
  Result<int64_t> compact(int64_t revision) override { return revision; }
  Result<int64_t> grantLease(int64_t) override {
    std::lock_guard lock(mu_);
    if (down) return failMsg("fake etcd: down");
    leases_.insert(++lastLease_);
    return lastLease_;
  }
  Result<int64_t> keepAlive(int64_t lease) override {
    std::lock_guard lock(mu_);
    if (down) return failMsg("fake etcd: down");
    return leases_.contains(lease) ? 10 : 0;
  }
  Result<void> revokeLease(int64_t lease) override {
    std::lock_guard lock(mu_);
    expireLocked(lease);
    return {};
  }
  etcd::WatchEnd watchPrefixes(const std::vector<std::string>&, int64_t,
                               const std::function<bool(const etcd::WatchBatch&)>&) override {
    return {etcd::WatchEnd::Kind::Failed, 0, "fake etcd: no watch"};
  }
  void stopWatch() override {}

  // The lease ends as if its TTL had passed: its keys go.
  void expire(int64_t lease) {
    std::lock_guard lock(mu_);
    expireLocked(lease);
  }
  std::map<std::string, std::string> keys() {
    std::lock_guard lock(mu_);
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : kv_) out[k] = v.first;
    return out;
  }
  int64_t leaseOf(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = kv_.find(key);
    return it == kv_.end() ? 0 : it->second.second;
  }

  std::atomic<bool> down{false};
  std::atomic<int> puts{0};

 private:
  void expireLocked(int64_t lease) {
    leases_.erase(lease);
    for (auto it = kv_.begin(); it != kv_.end();)
      it = it->second.second == lease ? kv_.erase(it) : std::next(it);
  }
  std::mutex mu_;
  std::map<std::string, std::pair<std::string, int64_t>> kv_;  // key -> value, lease
  std::set<int64_t> leases_;
  int64_t lastLease_ = 100;
  int64_t revision_ = 1;
};

}  // namespace podkeeper::support
