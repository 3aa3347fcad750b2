#include "reconciler/storage_monitor.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "runtime/sys/file_tree.h"

namespace podkeeper::reconciler {
namespace {

uint64_t usageOf(const std::string& dir, const std::string& key) {
  auto bytes = runtime::diskUsage(dir);
  if (bytes) return *bytes;
  if (bytes.error().code != ENOENT)
    spdlog::warn("pod {}: measuring local storage: {}", key, bytes.error().message);
  return 0;
}

}  // namespace

PodStorageUsage measureStorage(const StorageRequest& request) {
  PodStorageUsage usage;
  usage.specHash = request.specHash;
  for (const auto& [name, dirs] : request.containers) {
    uint64_t total = 0;
    for (const auto& dir : dirs) total += usageOf(dir, request.key);
    usage.containers[name] = total;
  }
  for (const auto& [name, dir] : request.emptyDirs)
    usage.emptyDirs[name] = usageOf(dir, request.key);
  return usage;
}

StorageMonitor::StorageMonitor(boost::asio::io_context& io, Reconciler& reconciler,
                               std::function<void(const std::string& key)> requeue)
    : io_(io), reconciler_(reconciler), requeue_(std::move(requeue)) {}

void StorageMonitor::measure() {
  if (running_) return;
  auto requests = reconciler_.storageRequests();
  if (requests.empty()) return;
  running_ = true;
  worker_.run(
      [requests = std::move(requests)] {
        std::vector<std::pair<StorageRequest, PodStorageUsage>> measured;
        for (const auto& r : requests) measured.emplace_back(r, measureStorage(r));
        return measured;
      },
      [this](std::vector<std::pair<StorageRequest, PodStorageUsage>> measured) {
        running_ = false;
        for (auto& [request, usage] : measured) {
          reconciler_.noteStorageUsage(request.uid, std::move(usage));
          requeue_(request.key);
        }
      });
}

}  // namespace podkeeper::reconciler
