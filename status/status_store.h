#pragma once

#include <functional>
#include <map>
#include <string>

#include "manifests/admission.h"
#include "runtime/container_runtime.h"
#include "status/events.h"
#include "status/pod_status.h"

// What the agent tells about its pods besides their spec and sandbox: events, why containers
// wait, their previous instances, why a reconcile failed, admission refusals, probe results.
// The reconciler writes it; the pod API and the agent's metrics read it, on the same loop.
namespace podkeeper::status {

class StatusStore {
 public:
  using ProbeSource = std::function<ProbeStatus(const std::string& uid)>;

  // Events, by pod key "namespace/name".
  const EventLog& events() const { return events_; }
  void recordEvent(const std::string& key, PodEvent event);

  // Containers waiting to restart, by uid then container name -> reason (CrashLoopBackOff).
  const std::map<std::string, std::map<std::string, std::string>>& waiting() const {
    return waiting_;
  }
  // Replaces the pod's waiting containers; an empty map removes the pod's entry.
  void setWaiting(const std::string& uid, std::map<std::string, std::string> waiting);

  // The previous instance of each restarted container, by uid then name (status lastState).
  const std::map<std::string, std::map<std::string, runtime::ExitRecord>>& lastTerminated() const {
    return lastTerminated_;
  }
  void noteTerminated(const std::string& uid, const std::string& container,
                      const runtime::ExitRecord& exit);

  // Why the last reconcile of a pod failed (e.g. a missing image), by key; none after success.
  const std::map<std::string, std::string>& lastErrors() const { return lastErrors_; }
  void setLastError(const std::string& key, std::string message) {
    lastErrors_[key] = std::move(message);
  }
  void clearLastError(const std::string& key) { lastErrors_.erase(key); }

  // Why the node refused a desired pod at admission (manifests/admission.h); null when it
  // was admitted or is not desired.
  const manifests::AdmitResult* refusal(const std::string& key) const;
  void setRefusals(std::map<std::string, manifests::AdmitResult> refusals);

  // Readiness and started of a pod's running containers. They change as probes answer, between
  // reconciles, so they are computed when read, by the source the reconciler installs.
  ProbeStatus probeStatus(const std::string& uid) const;
  void setProbeSource(ProbeSource source) { probeSource_ = std::move(source); }

  // A resize of the sandbox `uid` that is not done (pod_status.h); nullopt clears it.
  const std::map<std::string, ResizeCondition>& resizes() const { return resizes_; }
  void setResize(const std::string& uid, std::optional<ResizeCondition> c) {
    if (c)
      resizes_[uid] = std::move(*c);
    else
      resizes_.erase(uid);
  }

  // The sandbox of `uid` is gone: its waiting reasons and previous instances go with it.
  void forgetSandbox(const std::string& uid);
  // The pod `key` is gone (manifest and sandbox): its events go.
  void forgetPod(const std::string& key) { events_.forget(key); }

 private:
  EventLog events_;
  std::map<std::string, std::map<std::string, std::string>> waiting_;
  std::map<std::string, std::map<std::string, runtime::ExitRecord>> lastTerminated_;
  std::map<std::string, std::string> lastErrors_;
  std::map<std::string, manifests::AdmitResult> refusals_;
  std::map<std::string, ResizeCondition> resizes_;
  ProbeSource probeSource_;
};

}  // namespace podkeeper::status
