#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"

// etcd's v3 API as podkeeper uses it: ranges over a prefix at a revision, puts (optionally
// under a lease), deletes, leases, and a watch of several prefixes from a revision. Every
// call blocks (run them on a thread of their own, never on the agent's loop). The interface
// lets the sources and the fleet commands be tested with a fake; GrpcEtcdClient talks to
// real etcd members.
namespace podkeeper::etcd {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t modRevision = 0;
  int64_t lease = 0;
};

struct RangeResult {
  std::vector<KeyValue> kvs;
  int64_t revision = 0;  // the store's revision the range was read at
};

struct WatchEvent {
  bool deleted = false;
  KeyValue kv;  // for a delete: the key, its value empty
};

// One response of the watch stream: its events (none for the response that confirms a
// watcher's creation, or a progress notification) and the store's revision in its header.
struct WatchBatch {
  std::vector<WatchEvent> events;
  int64_t revision = 0;
};

struct WatchEnd {
  enum class Kind { Stopped, Compacted, Failed };
  Kind kind = Kind::Failed;
  int64_t compactRevision = 0;  // Compacted: the oldest revision still there
  std::string why;              // Failed
};

// "a" -> the end of the range of every key starting with "a" ("b"); etcd's prefix rule.
std::string prefixRangeEnd(const std::string& prefix);

class EtcdClient {
 public:
  virtual ~EtcdClient() = default;
  // Every key starting with prefix, at `revision` (0 = the newest).
  virtual Result<RangeResult> rangePrefix(const std::string& prefix, int64_t revision = 0) = 0;
  // Returns the revision of the put.
  virtual Result<int64_t> put(const std::string& key, const std::string& value,
                              int64_t lease = 0) = 0;
  // Deletes key, or every key starting with it when prefix is set; returns how many went.
  virtual Result<int64_t> remove(const std::string& key, bool prefix = false) = 0;
  virtual Result<int64_t> compact(int64_t revision) = 0;
  // A lease of ttl seconds; returns its id.
  virtual Result<int64_t> grantLease(int64_t ttlSeconds) = 0;
  // One keep-alive of the lease; returns its TTL left (0 or less: it has expired).
  virtual Result<int64_t> keepAlive(int64_t lease) = 0;
  virtual Result<void> revokeLease(int64_t lease) = 0;
  // Watches every prefix (one watcher each, on one stream) from fromRevision (inclusive),
  // calling onBatch for each response until it returns false, stopWatch() is called from
  // another thread, the revision was compacted, or the stream fails.
  virtual WatchEnd watchPrefixes(const std::vector<std::string>& prefixes, int64_t fromRevision,
                                 const std::function<bool(const WatchBatch&)>& onBatch) = 0;
  virtual void stopWatch() = 0;
};

struct EtcdConfig {
  std::vector<std::string> endpoints;  // http(s)://host:port
  std::string caFile;                  // https: CA bundle ("" = system roots)
  std::string certFile;                // client certificate ("" = none)
  std::string keyFile;
  std::chrono::milliseconds callTimeout{5000};
};

// "https://a:2379,https://b:2379" checked and split; an error names the value. Every
// endpoint has the same scheme (a mixed list is refused: etcdctl dials all with the first).
Result<std::vector<std::string>> parseEndpoints(const std::string& flag);

// One channel per endpoint; a call that fails with UNAVAILABLE or a deadline moves to the
// next endpoint, so any member that answers serves (reads are linearizable: a member cut
// from the majority fails them and the next one is tried).
std::unique_ptr<EtcdClient> makeGrpcEtcdClient(const EtcdConfig& config);
Result<void> checkEtcdConfig(const EtcdConfig& config);

}  // namespace podkeeper::etcd
