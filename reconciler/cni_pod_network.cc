#include "reconciler/cni_pod_network.h"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "manifests/identity.h"
#include "runtime/network/cni_config.h"
#include "runtime/network/network_record.h"

namespace podkeeper::reconciler {
namespace {

namespace net = runtime::network;
namespace fs = std::filesystem;

// What one background job learned; applied to the pod's entry on the loop.
struct JobResult {
  bool ok = false;
  bool noConfig = false;
  std::vector<std::string> ips;
  std::string error;
  bool unfinished = false;  // a record without a result: ADD never finished
  double addMs = -1;        // how long the plugins' ADD took; -1: no ADD ran
};

// The kubelet's words for a network that cannot be set up.
std::string notReady(const std::string& why) { return "NetworkPluginNotReady: " + why; }

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

}  // namespace

CniPodNetwork::CniPodNetwork(boost::asio::io_context& io, CniPodNetworkOptions options,
                             std::function<void(const std::string& key)> requeue)
    : options_(std::move(options)),
      cni_(options_.cni),
      requeue_(std::move(requeue)),
      confWatch_(io),
      work_(io, 4) {
  watchConfDir();
}

void CniPodNetwork::watchConfDir() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return;  // never known empty: every pod's ADD looks
  confWatch_.assign(fd);
  const fs::path dir = fs::path(options_.confDir).lexically_normal();
  const std::string parent = dir.has_parent_path() ? dir.parent_path().string() : ".";
  // Made when missing, as containerd's CNI configuration syncer does (the parent 0755, the
  // directory 0700): a node with no /etc/cni yet has a directory to watch, so its pods know
  // at once that there is no network to set up, and a configuration put there later is seen.
  if (std::error_code ec; !fs::exists(dir, ec)) {
    if (fs::create_directories(parent, ec))
      fs::permissions(parent, fs::perms(0755), ec);  // whatever the agent's umask
    if (!ec && ::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      spdlog::warn("cannot make the CNI configuration directory {}: {}", dir.string(),
                   std::strerror(errno));
  }
  confParentWd_ = ::inotify_add_watch(fd, parent.c_str(),
                                      IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                          IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
  if (confParentWd_ < 0) {
    confWatch_.close();
    return;
  }
  readConfEvents();
  listConfDir();
}

void CniPodNetwork::readConfEvents() {
  confWatch_.async_read_some(
      boost::asio::buffer(confEvents_), [this](const boost::system::error_code& ec, size_t n) {
        if (ec) return;  // closed with this object
        const std::string base = fs::path(options_.confDir).lexically_normal().filename();
        bool changed = false;
        for (size_t at = 0; at + sizeof(inotify_event) <= n;) {
          inotify_event ev;
          std::memcpy(&ev, confEvents_.data() + at, sizeof ev);
          const char* name = confEvents_.data() + at + sizeof ev;
          at += sizeof ev + ev.len;
          // Of the parent's entries only the directory itself matters.
          if (ev.wd == confParentWd_ && ev.len > 0 && base != name) continue;
          changed = true;
        }
        if (changed) {
          ++confChanges_;
          confKnownEmpty_ = false;
          listConfDir();
        }
        readConfEvents();
      });
}

void CniPodNetwork::listConfDir() {
  if (confListing_) return;  // its end sees confChanges_ moved and lists again
  confListing_ = true;
  const uint64_t at = confChanges_;
  work_.run(
      [dir = options_.confDir, fd = confWatch_.native_handle()]() -> bool {
        // Watched before it is listed: a configuration written after the listing is an event.
        if (::inotify_add_watch(fd, dir.c_str(),
                                IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                    IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF |
                                    IN_MOVE_SELF | IN_ONLYDIR) < 0 &&
            errno != ENOENT)
          return false;
        std::error_code ec;
        fs::directory_iterator it(dir, ec);
        if (ec) return ec == std::errc::no_such_file_or_directory;
        std::vector<std::string> names;
        for (const auto& e : it) names.push_back(e.path().filename().string());
        return net::configCandidates(std::move(names)).empty();
      },
      [this, at](bool empty) {
        confListing_ = false;
        if (confChanges_ != at) return listConfDir();
        confKnownEmpty_ = empty;
      });
}

void CniPodNetwork::startAdd(const manifests::DecodedPod& pod, const std::string& key) {
  pods_[pod.uid] = Entry{Phase::Adding, {}, {}, false};
  const std::string record = options_.recordPath(pod.uid);
  auto attachment = podAttachment(pod, options_.netnsPath(pod.uid));
  work_.run(
      [this, record, attachment = std::move(attachment)]() -> JobResult {
        // Whatever a previous ADD left (the agent killed mid-ADD; a failed ADD) goes first.
        if (auto r = net::recordedResult(record)) return {true, false, net::podIPs(*r), ""};
        if (auto d = net::detachPod(cni_, record); !d) return {false, false, {}, d.error().message};
        auto list = net::loadNetworkConfig(options_.confDir);
        if (!list) return {false, false, {}, list.error().message};
        if (!*list && options_.requireConfig)
          return {false,
                  false,
                  {},
                  "cni plugin not initialized: no network configuration in " + options_.confDir};
        if (!*list) return {true, true, {}, ""};
        const auto began = std::chrono::steady_clock::now();
        auto r = net::attachPod(cni_, **list, attachment, record);
        if (!r) return {false, false, {}, r.error().message};
        const std::chrono::duration<double, std::milli> took =
            std::chrono::steady_clock::now() - began;
        return {true, false, net::podIPs(*r), "", false, took.count()};
      },
      [this, uid = pod.uid, key](JobResult r) {
        auto it = pods_.find(uid);
        if (it == pods_.end() || it->second.phase != Phase::Adding) return;
        noConfig_ = r.noConfig;
        if (r.noConfig) {
          noteNoConfig();
          it->second.phase = Phase::NoConfig;
        } else if (r.ok) {
          it->second.phase = Phase::Ready;
          it->second.ips = std::move(r.ips);
          if (r.addMs >= 0)
            spdlog::info("pod {}: network ready, IPs {} (ADD {:.1f} ms)", key,
                         fmt::join(it->second.ips, ", "), r.addMs);
          else
            spdlog::info("pod {}: network ready, IPs {}", key, fmt::join(it->second.ips, ", "));
        } else {
          it->second.phase = Phase::Failed;
          it->second.error = notReady(r.error);
          spdlog::warn("pod {}: {}", key, it->second.error);
        }
        requeue_(key);
      });
}

void CniPodNetwork::noteNoConfig() {
  if (noConfigLogged_) return;
  noConfigLogged_ = true;
  spdlog::warn(
      "no CNI configuration in {}: pods get a network namespace with only lo (put a .conflist "
      "there, e.g. packaging/10-podkeeper.conflist)",
      options_.confDir);
}

Result<PodNetwork::Readiness> CniPodNetwork::ready(const manifests::DecodedPod& pod,
                                                   const std::string& key) {
  if (pod.pod.spec.hostNetwork) return Readiness{true, "", ""};
  auto it = pods_.find(pod.uid);
  if (it == pods_.end()) {
    if (addNeeded(pod.uid)) {
      startAdd(pod, key);
      return Readiness{};
    }
    noConfig_ = true;
    noteNoConfig();
    it = pods_.emplace(pod.uid, Entry{Phase::NoConfig, {}, {}, false}).first;
  }
  Entry& e = it->second;
  switch (e.phase) {
    case Phase::Ready:
      return Readiness{true, "", ""};
    case Phase::NoConfig:
      if (e.noted) return Readiness{true, "", ""};
      e.noted = true;
      return Readiness{true, "NetworkNotConfigured",
                       "no CNI configuration in " + options_.confDir +
                           ": the pod has only a loopback interface"};
    case Phase::Failed: {
      Error err = Error::msg(e.error);
      pods_.erase(it);  // the next reconcile tries again (with the work queue's back-off)
      return fail(err);
    }
    default:
      return Readiness{};
  }
}

// What its ADD would find (a record left by an earlier ADD has it look further).
bool CniPodNetwork::addNeeded(const std::string& uid) const {
  return !confKnownEmpty_ || options_.requireConfig || exists(options_.recordPath(uid));
}

bool CniPodNetwork::readyAtOnce(const manifests::DecodedPod& pod) const {
  if (pod.pod.spec.hostNetwork) return true;
  auto it = pods_.find(pod.uid);
  if (it == pods_.end()) return !addNeeded(pod.uid);
  return it->second.phase == Phase::Ready || it->second.phase == Phase::NoConfig;
}

void CniPodNetwork::startDel(const std::string& uid, const std::string& key) {
  pods_[uid].phase = Phase::Deleting;
  work_.run([this, record = options_.recordPath(uid)] { return net::detachPod(cni_, record); },
            [this, uid, key](Result<void> r) {
              auto it = pods_.find(uid);
              if (it == pods_.end()) return;
              if (r) {
                it->second.phase = Phase::Released;
              } else {
                it->second.phase = Phase::DelFailed;
                it->second.error = r.error().message;
                spdlog::warn("pod {}: network teardown failed (retried): {}", key,
                             r.error().message);
              }
              requeue_(key);
            });
}

Result<bool> CniPodNetwork::released(const std::string& uid, const std::string& key) {
  auto it = pods_.find(uid);
  const Phase phase = it == pods_.end() ? Phase::Ready : it->second.phase;
  switch (phase) {
    case Phase::Adding:
    case Phase::Deleting:
    case Phase::Checking:
      return false;  // the job in flight queues the key again when it ends
    case Phase::Released:
      pods_.erase(it);
      return true;
    case Phase::DelFailed: {
      Error err = Error::msg("network teardown: " + it->second.error);
      it->second.phase = Phase::Ready;  // the next call runs DEL again
      return fail(err);
    }
    default:
      break;
  }
  if (!exists(options_.recordPath(uid))) {
    pods_.erase(uid);
    return true;
  }
  startDel(uid, key);
  return false;
}

void CniPodNetwork::adopt(const std::string& uid, const std::string& key, bool hostNetwork) {
  if (hostNetwork || pods_.contains(uid)) return;
  pods_[uid] = Entry{Phase::Checking, {}, {}, false};
  work_.run(
      [this, record = options_.recordPath(uid)]() -> JobResult {
        auto result = net::recordedResult(record);
        // No record: started without a network of its own (no configuration then). A record
        // without a result: ADD never finished; ready() tears it down and adds again.
        if (!result) {
          if (exists(record)) return {false, false, {}, "", true};
          return {true, true, {}, ""};
        }
        if (auto c = net::checkPod(cni_, record); !c)
          return {false, false, net::podIPs(*result), c.error().message};
        return {true, false, net::podIPs(*result), ""};
      },
      [this, uid, key](JobResult r) {
        auto it = pods_.find(uid);
        if (it == pods_.end() || it->second.phase != Phase::Checking) return;
        it->second.ips = std::move(r.ips);
        it->second.noted = true;
        if (r.unfinished) {
          pods_.erase(it);
          return;
        }
        if (r.ok) {
          it->second.phase = r.noConfig ? Phase::NoConfig : Phase::Ready;
          return;
        }
        it->second.phase = Phase::Broken;
        it->second.broken = true;
        it->second.error = r.error;
        spdlog::warn("pod {}: network check failed, the sandbox is made again: {}", key, r.error);
        requeue_(key);
      });
}

std::vector<std::string> CniPodNetwork::podIPs(const std::string& uid) const {
  auto it = pods_.find(uid);
  return it == pods_.end() ? std::vector<std::string>{} : it->second.ips;
}

bool CniPodNetwork::broken(const std::string& uid) const {
  auto it = pods_.find(uid);
  return it != pods_.end() && it->second.broken;
}

size_t CniPodNetwork::podsWithoutNetwork() const {
  size_t n = 0;
  for (const auto& [uid, e] : pods_) n += e.phase == Phase::NoConfig;
  return n;
}

}  // namespace podkeeper::reconciler
