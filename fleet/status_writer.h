#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "etcd/etcd_client.h"

// Writes a node's status under <prefix>/status/<node>/ (fleet_layout.h) on a thread of its own:
// every key is attached to a lease the thread keeps alive, so the status of a node that dies
// expires by itself (TTL seconds). The loop offers the whole status (key under the node's
// prefix -> value) whenever it likes; the thread writes only what changed since its last
// write and at most once per minInterval (batched and rate-limited), deleting what went.
namespace podkeeper::fleet {

struct StatusWriterOptions {
  std::string prefix;
  std::string node;
  int64_t leaseTtlSeconds = 10;
  std::chrono::milliseconds minInterval{2000};
};

class FleetStatusWriter {
 public:
  FleetStatusWriter(std::unique_ptr<etcd::EtcdClient> client, StatusWriterOptions options);
  ~FleetStatusWriter();
  void start();
  void stop();  // the lease is left to expire: the pods keep running without the agent
  void offer(std::map<std::string, std::string> status);
  int puts() const { return puts_.load(); }

 private:
  void run();
  bool write(const std::map<std::string, std::string>& status);

  std::unique_ptr<etcd::EtcdClient> client_;
  StatusWriterOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::optional<std::map<std::string, std::string>> pending_;
  bool stopping_ = false;
  std::map<std::string, std::string> written_;  // the thread's own
  int64_t lease_ = 0;
  std::string lastError_;
  std::atomic<int> puts_{0};
  std::thread thread_;
};

}  // namespace podkeeper::fleet
