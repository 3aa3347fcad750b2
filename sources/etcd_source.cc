#include "sources/etcd_source.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "runtime/sys/atomic_file.h"

namespace podkeeper::sources {

std::string nodePodsPrefix(const EtcdSourceOptions& o) {
  return o.prefix + "/nodes/" + o.nodeName + "/pods/";
}
std::string allPodsPrefix(const EtcdSourceOptions& o) { return o.prefix + "/all/pods/"; }

std::string encodeEtcdCache(const EtcdDocuments& docs, int64_t revision) {
  nlohmann::json j;
  j["revision"] = revision;
  j["pods"] = nlohmann::json::object();
  for (const auto& [k, v] : docs) j["pods"][k] = v;
  // Keys and values are whatever etcd holds: bytes that are not UTF-8 become U+FFFD here (such
  // a value is no manifest anyway) instead of a throw that would end the source's thread.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<EtcdDocuments> decodeEtcdCache(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("pods") || !j["pods"].is_object())
    return failMsg("not a podkeeper etcd cache ({\"revision\":R,\"pods\":{...}})");
  EtcdDocuments out;
  for (const auto& [k, v] : j["pods"].items()) {
    if (!v.is_string()) return failMsg("pods[\"" + k + "\"] is not a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

EtcdManifestSource::EtcdManifestSource(boost::asio::io_context& io,
                                       std::unique_ptr<etcd::EtcdClient> client,
                                       EtcdSourceOptions options, Callbacks callbacks)
    : io_(io),
      client_(std::move(client)),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)) {}

EtcdManifestSource::~EtcdManifestSource() {
  stop();
  *alive_ = false;
}

std::optional<EtcdDocuments> EtcdManifestSource::loadCache() const {
  if (options_.cacheFile.empty()) return std::nullopt;
  auto text = runtime::readWholeFile(options_.cacheFile);
  if (!text) return std::nullopt;
  auto docs = decodeEtcdCache(*text);
  if (!docs) {
    spdlog::warn("{}: {}; ignored", options_.cacheFile, docs.error().message);
    return std::nullopt;
  }
  return std::move(*docs);
}

void EtcdManifestSource::start() {
  spdlog::info("reading pods from etcd under {} and {}", nodePodsPrefix(options_),
               allPodsPrefix(options_));
  thread_ = std::thread([this] { run(); });
}

void EtcdManifestSource::stop() {
  if (stopping_.exchange(true)) {
    if (thread_.joinable()) thread_.join();
    return;
  }
  {
    std::lock_guard lock(mu_);
    wake_.notify_all();
  }
  client_->stopWatch();
  if (thread_.joinable()) thread_.join();
}

void EtcdManifestSource::sleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, d, [this] { return stopping_.load(); });
}

bool EtcdManifestSource::list(EtcdDocuments& docs, std::string& why) {
  auto nodes = client_->rangePrefix(nodePodsPrefix(options_));
  if (!nodes) {
    why = nodes.error().message;
    return false;
  }
  // Both prefixes at one revision, so the watch from the next one misses nothing of either.
  auto all = client_->rangePrefix(allPodsPrefix(options_), nodes->revision);
  if (!all) {
    why = all.error().message;
    return false;
  }
  docs.clear();
  for (const auto& kv : nodes->kvs) docs[kv.key] = kv.value;
  for (const auto& kv : all->kvs) docs[kv.key] = kv.value;
  revision_ = nodes->revision;
  ++lists_;
  return true;
}

void EtcdManifestSource::deliver(const EtcdDocuments& docs) {
  if (!options_.cacheFile.empty()) {
    if (auto r = runtime::writeFileAtomic(options_.cacheFile, encodeEtcdCache(docs, revision_)); !r)
      spdlog::warn("etcd source: keeping the set in {}: {}", options_.cacheFile, r.error().message);
  }
  boost::asio::post(io_, [this, alive = alive_, docs] {
    if (*alive && !stopping_) callbacks_.documents(docs);
  });
}

void EtcdManifestSource::report(const std::string& why) {
  if (why == lastError_) return;
  if (why.empty())
    spdlog::info("etcd source: etcd answers again");
  else
    spdlog::error("etcd source: {}; the pods as last read keep running", why);
  lastError_ = why;
  boost::asio::post(io_, [this, alive = alive_, why] {
    if (*alive && !stopping_) callbacks_.failed(why);
  });
}

void EtcdManifestSource::run() {
  EtcdDocuments docs;
  bool needList = true;
  auto backoff = options_.minBackoff;
  auto failed = [&](const std::string& why) {
    report(why);
    sleepFor(backoff);
    backoff = std::min(backoff * 2, options_.maxBackoff);
  };
  while (!stopping_) {
    if (needList) {
      std::string why;
      if (!list(docs, why)) {
        failed(why);
        continue;
      }
      spdlog::info("etcd source: {} pod key(s) at revision {}", docs.size(), revision_.load());
      needList = false;
      report("");
      backoff = options_.minBackoff;
      deliver(docs);
    }
    auto end = client_->watchPrefixes({nodePodsPrefix(options_), allPodsPrefix(options_)},
                                      revision_ + 1, [&](const etcd::WatchBatch& batch) {
                                        if (!lastError_.empty()) report("");
                                        backoff = options_.minBackoff;
                                        if (batch.events.empty()) return !stopping_;
                                        for (const auto& ev : batch.events) {
                                          if (ev.deleted)
                                            docs.erase(ev.kv.key);
                                          else
                                            docs[ev.kv.key] = ev.kv.value;
                                          revision_ = std::max(revision_.load(), ev.kv.modRevision);
                                        }
                                        deliver(docs);
                                        return !stopping_;
                                      });
    switch (end.kind) {
      case etcd::WatchEnd::Kind::Stopped:
        break;
      case etcd::WatchEnd::Kind::Compacted:
        spdlog::warn("etcd source: revision {} was compacted (oldest kept {}); listing again",
                     revision_.load() + 1, end.compactRevision);
        needList = true;
        break;
      case etcd::WatchEnd::Kind::Failed:
        failed(end.why);
        break;
    }
  }
}

}  // namespace podkeeper::sources
