#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "agent/config.h"
#include "agent/manifest_watcher.h"
#include "etcd/etcd_client.h"
#include "fleet/status_writer.h"
#include "image/registry/http_client.h"
#include "sources/etcd_source.h"
#include "sources/url_source.h"

// The manifest sources beyond the directory and the node's side of the fleet, wired to the
// watcher: --manifest-url (its body is one more document of the watcher, named by the URL),
// --etcd-endpoints (the etcd source, its set named "etcd:<key>") and, with etcd, the fleet
// status writer fed every 2 s from the loop. Nothing here runs on the loop but the callbacks:
// the URL polls, the etcd source and the writer have threads of their own.
namespace podkeeper::agent {

class ManifestSources {
 public:
  // On the loop, every 2 s while etcd is configured: the node's status to write (key under
  // <prefix>/status/<node>/ -> value), as fleet::FleetStatusWriter::offer takes it.
  using FleetStatus = std::function<std::map<std::string, std::string>()>;

  ManifestSources(boost::asio::io_context& io, const AgentConfig& config, std::string nodeName,
                  ManifestWatcher& watcher, FleetStatus fleetStatus);
  ~ManifestSources();
  ManifestSources(const ManifestSources&) = delete;
  ManifestSources& operator=(const ManifestSources&) = delete;

  // Before the watcher's first snapshot: the URL's first poll (synchronous) and the etcd set
  // kept on disk go into it; then the etcd thread and the status writer start.
  void start();
  void stop();

 private:
  void startManifestUrl();
  void startEtcdSource();
  void offerFleetStatus();
  etcd::EtcdConfig etcdConfig() const;

  boost::asio::io_context& io_;
  const AgentConfig& config_;
  std::string nodeName_;
  ManifestWatcher& watcher_;
  FleetStatus fleetStatusOf_;
  image::registry::CurlHttpClient urlHttp_;
  std::optional<sources::UrlManifestSource> manifestUrl_;    // --manifest-url; polls off the loop
  std::unique_ptr<sources::EtcdManifestSource> etcdSource_;  // --etcd-endpoints; own thread
  std::unique_ptr<fleet::FleetStatusWriter> fleetStatus_;    // the node's status, own thread
  boost::asio::steady_timer fleetTimer_;
};

}  // namespace podkeeper::agent
