#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "manifests/decode.h"
#include "probe/handler_runner.h"
#include "probe/post_start.h"
#include "probe/prober.h"
#include "reconciler/container_stop.h"
#include "reconciler/crash_backoff.h"
#include "reconciler/plan.h"
#include "reconciler/runtime_specs.h"
#include "reconciler/storage_eviction.h"
#include "runtime/container_runtime.h"
#include "runtime/image/image_service.h"
#include "status/events.h"
#include "status/pod_status.h"

namespace podkeeper::reconciler {

// Hooks for what the reconciler learns; the agent connects metrics and status here.
// Every hook defaults to none, so callers name only those they use.
struct ReconcileHooks {
  std::function<void(double seconds)> podStarted = {};  // desired first seen -> all containers up
  std::function<void(const std::string& ns, const std::string& pod, const std::string& c)>
      containerRestarted = {};
  std::function<void(const std::string& ns, const std::string& pod)> podRemoved = {};  // deleted
  // A probe or hook finished in a way the pod must act on: reconcile the key again.
  std::function<void(const std::string& key)> requeue = {};
  // Every probe result (probeType liveness|readiness|startup, result success|failure|error).
  std::function<void(const std::string& ns, const std::string& pod, const std::string& container,
                     const std::string& probeType, const std::string& result)>
      probeResult = {};
  // A probe was added or answered: probeDueNs() may have moved.
  std::function<void()> probeScheduleChanged = {};
};

// Level-triggered: reconcile(key) reads the desired pod and what the runtime reports for the
// key now, plans, and acts. It never looks at the event that queued the key. Idempotent.
class Reconciler {
 public:
  // Containers' images are resolved through `images`, once per start. Probes and lifecycle
  // hooks run through `handlers`; without one, pods that have any are refused (as
  // unsupported) rather than run without them.
  Reconciler(runtime::ContainerRuntime& runtime, runtime::ImageService& images, const Clock& clock,
             NodePaths paths, ReconcileHooks hooks = {}, probe::HandlerRunner* handlers = nullptr);
  ~Reconciler();

  // Replaces the desired state; returns the keys whose desired pod changed (added, removed,
  // or a different spec hash or metadata).
  std::vector<std::string> setDesired(std::map<std::string, manifests::DecodedPod> pods);
  // Reloads the observed state of every sandbox from the runtime (start-up and resync).
  Result<void> observeAll();

  struct Outcome {
    std::optional<int64_t> requeueAtNs;
  };
  Result<Outcome> reconcile(const std::string& key);

  // Every key known as desired or observed.
  std::vector<std::string> keys() const;
  const std::map<std::string, manifests::DecodedPod>& desired() const { return desired_; }
  // Observed sandboxes by uid, as of the last reconcile or observeAll.
  const std::map<std::string, runtime::SandboxState>& observed() const { return observed_; }
  // Containers waiting to restart, by uid then container name -> reason.
  const std::map<std::string, std::map<std::string, std::string>>& waiting() const {
    return waiting_;
  }
  // The previous instance of each restarted container, by uid then name (status lastState).
  const std::map<std::string, std::map<std::string, runtime::ExitRecord>>& lastTerminated() const {
    return lastTerminated_;
  }
  // Why the last reconcile of a pod failed (e.g. a missing image), by key; cleared on success.
  const std::map<std::string, std::string>& lastErrors() const { return lastErrors_; }
  const status::EventLog& events() const { return events_; }
  // Why the node refused a desired pod at admission (manifests/admission.h); null when it
  // was admitted or is not desired. A refused pod is never handed to the runtime.
  const manifests::AdmitResult* refusal(const std::string& key) const;

  // Local storage (reconciler_storage.cc): the pods to measure now (those whose spec limits
  // it), and their usage once measured off the loop; an outgrown limit evicts at the next
  // reconcile.
  std::vector<StorageRequest> storageRequests() const;
  void noteStorageUsage(const std::string& uid, PodStorageUsage usage);

  // Probes (reconciler_probes.cc): when the next one is due, and sending those due now.
  std::optional<int64_t> probeDueNs() const;
  void runDueProbes();
  // Readiness and started of a pod's running containers as probes and hooks have them.
  status::ProbeStatus probeStatus(const std::string& uid) const;

 private:
  struct Worker {
    std::optional<runtime::StopRecord> stop;  // also on disk (SandboxState::stop)
  };

  Result<Outcome> reconcileKey(const std::string& key);
  Result<void> refreshObserved(const std::string& uid);
  Result<Plan> reconcileSandbox(const manifests::DecodedPod* desired, const std::string& uid);
  Result<void> execute(const Plan& plan, const manifests::DecodedPod* desired,
                       const std::string& uid);
  Result<void> ensureSandbox(const manifests::DecodedPod& pod, const std::string& key);
  Result<void> refreshDownwardAPI(const manifests::DecodedPod& pod);
  Result<void> startContainer(const manifests::DecodedPod& pod, const std::string& name,
                              int restartCount);
  void noteStarted(const manifests::DecodedPod& pod);
  void recordStop(const Plan& plan, const std::string& key, const std::string& uid,
                  const runtime::SandboxState& obs);
  void event(const std::string& key, const std::string& type, const std::string& reason,
             const std::string& message, const std::string& container = "");
  std::vector<std::string> observedUidsFor(const std::string& key) const;
  // Probes and hooks (reconciler_probes.cc).
  void initProbesAndHooks();
  Result<std::optional<int64_t>> driveContainerStops(const manifests::DecodedPod* desired,
                                                     const std::string& uid);
  Result<void> stopGracefully(const std::string& key, const std::string& uid,
                              const std::string& container);
  StopRequest stopRequest(const std::string& key, const std::string& uid,
                          const runtime::ContainerState& c, int64_t graceSeconds) const;
  void startPostStart(const manifests::DecodedPod& pod, const manifests::Container& c,
                      const runtime::ContainerState& started);
  bool postStartHolds(const std::string& uid) const;
  void syncProbes(const manifests::DecodedPod* desired, const std::string& uid);
  void forgetSandbox(const std::string& uid);
  const manifests::DecodedPod* acceptedSpec(const std::string& uid) const;

  runtime::ContainerRuntime& runtime_;
  runtime::ImageService& images_;
  const Clock& clock_;
  NodePaths paths_;
  ReconcileHooks hooks_;
  CrashBackoff backoff_;
  std::map<std::string, manifests::DecodedPod> desired_;   // key -> pod
  std::map<std::string, int64_t> desiredSinceNs_;          // key -> when first seen (start latency)
  std::map<std::string, runtime::SandboxState> observed_;  // uid -> state
  std::map<std::string, Worker> workers_;                  // uid -> worker state
  std::set<std::string> startedByUs_;  // keys with a container start since desired changed
  std::map<std::string, std::map<std::string, std::string>> waiting_;
  std::map<std::string, std::map<std::string, runtime::ExitRecord>> lastTerminated_;
  std::map<std::string, std::string> lastErrors_;
  std::map<std::string, std::string> refusedHash_;         // key -> spec hash refused (event sent)
  std::map<std::string, manifests::AdmitResult> refused_;  // key -> why admission refused it
  // uid -> the downwardAPI volumes as last written, so unchanged metadata writes nothing
  std::map<std::string, std::vector<runtime::DownwardAPIVolume>> downwardWritten_;
  status::EventLog events_;
  probe::HandlerRunner* handlers_;
  std::map<std::string, manifests::DecodedPod> accepted_;  // uid -> spec its sandbox runs
  std::unique_ptr<probe::ProbeManager> probes_;            // set when there is a runner
  std::unique_ptr<probe::PostStartHooks> postStart_;       // set when there is a runner
  std::unique_ptr<ContainerStopper> stopper_;
  std::map<std::string, PodStorageUsage> storageUsage_;  // uid -> as last measured
};

}  // namespace podkeeper::reconciler
