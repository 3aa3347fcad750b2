#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/background_work.h"
#include "reconciler/pod_network.h"
#include "runtime/network/cni_network.h"

// PodNetwork through CNI plugins, as containerd's CRI plugin drives them: the configuration
// is read from confDir at each ADD (first .conflist/.conf/.json in lexical order), the
// pod's record (network.json in its state directory) keeps what DEL and CHECK need. Every
// plugin run, file read and record write happens on background work; the loop only reads
// the state here and starts jobs.
namespace podkeeper::reconciler {

struct CniPodNetworkOptions {
  std::string confDir = "/etc/cni/net.d";  // --cni-conf-dir
  runtime::network::CniOptions cni;        // --cni-bin-dir and --cni-plugin-timeout
  // --cni-require-config: no configuration is the pod's NetworkPluginNotReady error (it waits,
  // as under the kubelet), not a network namespace with only lo.
  bool requireConfig = false;
  // Where a pod's pinned net namespace and its record are.
  std::function<std::string(const std::string& uid)> netnsPath;
  std::function<std::string(const std::string& uid)> recordPath;
};

class CniPodNetwork final : public PodNetwork {
 public:
  CniPodNetwork(boost::asio::io_context& io, CniPodNetworkOptions options,
                std::function<void(const std::string& key)> requeue);
  CniPodNetwork(const CniPodNetwork&) = delete;
  CniPodNetwork& operator=(const CniPodNetwork&) = delete;

  Result<Readiness> ready(const manifests::DecodedPod& pod, const std::string& key) override;
  bool readyAtOnce(const manifests::DecodedPod& pod) const override;
  Result<bool> released(const std::string& uid, const std::string& key) override;
  void adopt(const std::string& uid, const std::string& key, bool hostNetwork) override;
  std::vector<std::string> podIPs(const std::string& uid) const override;
  bool broken(const std::string& uid) const override;

  // For /readyz and the metric: whether the last ADD found no configuration at all, and how
  // many pods run with only lo because of it.
  bool lastFoundNoConfig() const { return noConfig_; }
  size_t podsWithoutNetwork() const;
  const std::string& confDir() const { return options_.confDir; }

 private:
  enum class Phase {
    Adding,
    Ready,
    NoConfig,
    Failed,
    Deleting,
    Released,
    DelFailed,
    Checking,
    Broken
  };
  struct Entry {
    Phase phase = Phase::Adding;
    std::vector<std::string> ips;
    std::string error;
    bool noted = false;   // its NoConfig event was sent
    bool broken = false;  // failed its CHECK: kept through DEL until the sandbox is gone
  };
  void startAdd(const manifests::DecodedPod& pod, const std::string& key);
  bool addNeeded(const std::string& uid) const;
  void startDel(const std::string& uid, const std::string& key);
  void noteNoConfig();
  // Whether confDir is known to hold no configuration (no name a configuration could be read
  // from, or no directory), as containerd's CRI plugin watches it: an inotify watch on it and
  // on its parent (for the directory itself coming or going), then a listing on work_; any
  // change makes it unknown until the next listing is back. While it is known empty, a new
  // pod without a network record is NoConfig at once, with no ADD job between its sandbox
  // and its containers (a hop through a worker per pod on nodes without CNI).
  void watchConfDir();
  void readConfEvents();
  void listConfDir();

  CniPodNetworkOptions options_;
  runtime::network::CniNetwork cni_;
  std::function<void(const std::string&)> requeue_;
  std::map<std::string, Entry> pods_;  // uid -> its network as last known
  bool noConfig_ = false;
  bool noConfigLogged_ = false;
  boost::asio::posix::stream_descriptor confWatch_;
  int confParentWd_ = -1;
  std::array<char, 4096> confEvents_{};
  uint64_t confChanges_ = 0;  // events seen: a listing begun before the last one is stale
  bool confListing_ = false;
  bool confKnownEmpty_ = false;
  BackgroundWork work_;  // last: destroyed first, waiting for plugins in progress
};

}  // namespace podkeeper::reconciler
