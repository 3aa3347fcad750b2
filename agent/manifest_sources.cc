#include "agent/manifest_sources.h"

#include <spdlog/spdlog.h>

namespace podkeeper::agent {

ManifestSources::ManifestSources(boost::asio::io_context& io, const AgentConfig& config,
                                 std::string nodeName, ManifestWatcher& watcher,
                                 FleetStatus fleetStatus)
    : io_(io),
      config_(config),
      nodeName_(std::move(nodeName)),
      watcher_(watcher),
      fleetStatusOf_(std::move(fleetStatus)),
      fleetTimer_(io) {}

ManifestSources::~ManifestSources() = default;

void ManifestSources::start() {
  startManifestUrl();
  startEtcdSource();
}

void ManifestSources::stop() {
  if (manifestUrl_) manifestUrl_->stop();
  if (etcdSource_) etcdSource_->stop();
  fleetTimer_.cancel();
  if (fleetStatus_) fleetStatus_->stop();
}

// The first poll runs before the watcher's first snapshot (start() is synchronous for that
// reason).
void ManifestSources::startManifestUrl() {
  if (config_.manifestUrl.empty()) return;
  sources::UrlSourceConfig uc;
  uc.url = config_.manifestUrl;
  uc.headers = config_.manifestUrlHeaders;
  uc.cacheFile = config_.stateDir + "/manifest-url.last-good";
  sources::UrlManifestSource::Callbacks cb;
  cb.body = [this](const std::string& body) {
    return watcher_.setSourceDocument(config_.manifestUrl, body);
  };
  cb.failed = [this](const std::string& why) { watcher_.setSourceError(config_.manifestUrl, why); };
  manifestUrl_.emplace(io_, urlHttp_, std::move(uc), config_.relistInterval, std::move(cb));
  manifestUrl_->start();
}

etcd::EtcdConfig ManifestSources::etcdConfig() const {
  etcd::EtcdConfig e;
  e.endpoints = config_.etcdEndpoints;
  e.caFile = config_.etcdCaFile;
  e.certFile = config_.etcdCertFile;
  e.keyFile = config_.etcdKeyFile;
  return e;
}

// The set kept on disk goes into the first snapshot (a node restarted while etcd is away runs
// its pods; the same pods, not restarted), then a thread lists and watches etcd and hands
// every change to the loop.
void ManifestSources::startEtcdSource() {
  if (config_.etcdEndpoints.empty()) return;
  sources::EtcdSourceOptions o;
  o.prefix = config_.etcdPrefix;
  o.nodeName = nodeName_;
  o.cacheFile = config_.stateDir + "/etcd-pods.last-good";
  sources::EtcdManifestSource::Callbacks cb;
  cb.documents = [this](const sources::EtcdDocuments& docs) {
    watcher_.replaceSourceDocuments("etcd:", docs);
  };
  cb.failed = [this](const std::string& why) { watcher_.setSourceError("etcd", why); };
  etcdSource_ = std::make_unique<sources::EtcdManifestSource>(
      io_, etcd::makeGrpcEtcdClient(etcdConfig()), o, std::move(cb));
  if (auto cached = etcdSource_->loadCache()) {
    spdlog::info("etcd source: {} pod key(s) from {} until etcd answers", cached->size(),
                 o.cacheFile);
    watcher_.replaceSourceDocuments("etcd:", *cached);
  }
  etcdSource_->start();
  fleetStatus_ = std::make_unique<fleet::FleetStatusWriter>(
      etcd::makeGrpcEtcdClient(etcdConfig()),
      fleet::StatusWriterOptions{config_.etcdPrefix, nodeName_});
  fleetStatus_->start();
  offerFleetStatus();
}

// Every 2 s the whole status goes to the writer, which writes what changed (rate-limited, off
// the loop).
void ManifestSources::offerFleetStatus() {
  fleetStatus_->offer(fleetStatusOf_());
  fleetTimer_.expires_after(std::chrono::seconds(2));
  fleetTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && fleetStatus_) offerFleetStatus();
  });
}

}  // namespace podkeeper::agent
