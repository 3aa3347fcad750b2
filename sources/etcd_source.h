#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/error.h"
#include "etcd/etcd_client.h"

// The etcd manifest source: every key under <prefix>/nodes/<node>/pods/ and
// <prefix>/all/pods/ holds one Pod (YAML or JSON). A thread of its own lists both prefixes at
// one revision, then watches them from the next revision; a broken stream is resumed from the
// last revision seen (so no change made meanwhile is missed), on any endpoint, with back-off;
// a compacted revision forces a re-list. Each change hands the whole set (key -> value) to the
// loop and keeps it on disk, so a node restarted while etcd is away runs its pods anyway.
namespace podkeeper::sources {

struct EtcdSourceOptions {
  std::string prefix;     // --etcd-prefix, no trailing '/'
  std::string nodeName;   // --node-name
  std::string cacheFile;  // the last good set ("" = none)
  std::chrono::milliseconds minBackoff{200};
  std::chrono::milliseconds maxBackoff{5000};
};

using EtcdDocuments = std::map<std::string, std::string>;  // etcd key -> value

// The two prefixes a node reads.
std::string nodePodsPrefix(const EtcdSourceOptions& o);
std::string allPodsPrefix(const EtcdSourceOptions& o);

// The cache file's contents and back ({"revision":R,"pods":{key:value}}).
std::string encodeEtcdCache(const EtcdDocuments& docs, int64_t revision);
Result<EtcdDocuments> decodeEtcdCache(const std::string& text);

class EtcdManifestSource {
 public:
  struct Callbacks {
    // On the loop: the whole current set, after each change.
    std::function<void(const EtcdDocuments&)> documents;
    // On the loop: why etcd cannot be read now ("" once it can).
    std::function<void(const std::string&)> failed;
  };

  EtcdManifestSource(boost::asio::io_context& io, std::unique_ptr<etcd::EtcdClient> client,
                     EtcdSourceOptions options, Callbacks callbacks);
  ~EtcdManifestSource();

  // The set kept on disk by the previous run, if any (read synchronously, before the agent's
  // first snapshot).
  std::optional<EtcdDocuments> loadCache() const;
  void start();
  void stop();  // ends the thread (waits for it)

  // For tests and logs: lists done so far (the first one included) and the revision seen.
  int lists() const { return lists_.load(); }
  int64_t revision() const { return revision_.load(); }

 private:
  void run();
  bool list(EtcdDocuments& docs, std::string& why);
  void deliver(const EtcdDocuments& docs);
  void report(const std::string& why);
  void sleepFor(std::chrono::milliseconds d);

  boost::asio::io_context& io_;
  std::unique_ptr<etcd::EtcdClient> client_;
  EtcdSourceOptions options_;
  Callbacks callbacks_;
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  std::atomic<bool> stopping_{false};
  std::atomic<int> lists_{0};
  std::atomic<int64_t> revision_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  std::string lastError_;  // the thread's own
  std::thread thread_;
};

}  // namespace podkeeper::sources
