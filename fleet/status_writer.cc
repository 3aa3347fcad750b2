#include "fleet/status_writer.h"

#include <spdlog/spdlog.h>

#include "fleet/fleet_layout.h"

namespace podkeeper::fleet {

FleetStatusWriter::FleetStatusWriter(std::unique_ptr<etcd::EtcdClient> client,
                                     StatusWriterOptions options)
    : client_(std::move(client)), options_(std::move(options)) {}

FleetStatusWriter::~FleetStatusWriter() { stop(); }

void FleetStatusWriter::start() {
  thread_ = std::thread([this] { run(); });
}

void FleetStatusWriter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void FleetStatusWriter::offer(std::map<std::string, std::string> status) {
  {
    std::lock_guard lock(mu_);
    pending_ = std::move(status);
  }
  wake_.notify_all();
}

bool FleetStatusWriter::write(const std::map<std::string, std::string>& status) {
  const std::string base = nodeStatusPrefix(options_.prefix, options_.node);
  for (const auto& [key, value] : status) {
    auto it = written_.find(key);
    if (it != written_.end() && it->second == value) continue;
    if (auto r = client_->put(base + key, value, lease_); !r) {
      lastError_ = r.error().message;
      return false;
    }
    written_[key] = value;
    ++puts_;
  }
  for (auto it = written_.begin(); it != written_.end();) {
    if (status.contains(it->first)) {
      ++it;
      continue;
    }
    if (auto r = client_->remove(base + it->first); !r) {
      lastError_ = r.error().message;
      return false;
    }
    it = written_.erase(it);
  }
  return true;
}

void FleetStatusWriter::run() {
  using clock = std::chrono::steady_clock;
  const auto keepAliveEvery = std::chrono::milliseconds(options_.leaseTtlSeconds * 1000 / 3);
  auto lastKeepAlive = clock::now();
  auto nextWrite = clock::now();
  std::map<std::string, std::string> current;
  bool dirty = false;
  std::string reported;
  auto report = [&](const std::string& why) {
    if (why == reported) return;
    if (why.empty())
      spdlog::info("fleet status: written to etcd again (node {})", options_.node);
    else
      spdlog::error("fleet status of node {}: {}; retrying", options_.node, why);
    reported = why;
  };
  for (;;) {
    {
      std::unique_lock lock(mu_);
      auto until = std::min(lease_ == 0 || dirty ? nextWrite : nextWrite + keepAliveEvery,
                            lastKeepAlive + keepAliveEvery);
      wake_.wait_until(lock, until, [&] { return stopping_ || (pending_ && !dirty); });
      if (stopping_) return;
      if (pending_) {
        current = std::move(*pending_);
        pending_.reset();
        dirty = true;
      }
    }
    auto now = clock::now();
    if (lease_ == 0) {
      auto lease = client_->grantLease(options_.leaseTtlSeconds);
      if (!lease) {
        report(lease.error().message);
        nextWrite = now + options_.minInterval;
        lastKeepAlive = now;
        continue;
      }
      lease_ = *lease;
      written_.clear();  // everything again, under the new lease
      dirty = true;
      lastKeepAlive = now;
    } else if (now - lastKeepAlive >= keepAliveEvery) {
      auto ttl = client_->keepAlive(lease_);
      lastKeepAlive = now;
      if (!ttl) {
        report(ttl.error().message);
        continue;
      }
      if (*ttl <= 0) {
        spdlog::warn("fleet status: lease of node {} expired; writing the status again",
                     options_.node);
        lease_ = 0;
        continue;
      }
    }
    if (dirty && now >= nextWrite) {
      nextWrite = now + options_.minInterval;
      if (write(current)) {
        dirty = false;
        report("");
      } else {
        report(lastError_);
      }
    }
  }
}

}  // namespace podkeeper::fleet
