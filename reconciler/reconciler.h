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
#include "reconciler/image_pulls.h"
#include "reconciler/node_pressure.h"
#include "reconciler/node_stats.h"
#include "reconciler/plan.h"
#include "reconciler/pod_network.h"
#include "reconciler/pod_state.h"
#include "reconciler/runtime_specs.h"
#include "reconciler/storage_eviction.h"
#include "runtime/container_runtime.h"
#include "runtime/image/image_service.h"
#include "status/pod_reader.h"
#include "status/pod_status.h"
#include "status/status_store.h"

namespace podkeeper::reconciler {

class RuntimeWork;  // runtime_work.h

// Hooks for what the reconciler learns; the agent connects metrics and its loop here.
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
  // An image pull ended after `seconds`; failure is null on success.
  std::function<void(double seconds, const Error* failure)> imagePulled = {};
  // One stage of a start took `seconds` (stage queued, sandbox or container; see
  // metrics/loop_metrics.h).
  std::function<void(const std::string& stage, double seconds)> startStage = {};
};

// Level-triggered: reconcile(key) reads the desired pod and what the runtime reports for the
// key now, plans, and acts. It never looks at the event that queued the key. Idempotent.
class Reconciler final : public status::PodReader {
 public:
  // Containers' images are resolved through `images`, once per start, and pulled through
  // `pulls` as their imagePullPolicy says (without one, an image not on the node is
  // ErrImageNeverPull). Probes and lifecycle hooks run through `handlers`; without one, pods
  // that have any are refused (as unsupported) rather than run without them.
  Reconciler(runtime::ContainerRuntime& runtime, runtime::ImageService& images, const Clock& clock,
             NodePaths paths, ReconcileHooks hooks = {}, probe::HandlerRunner* handlers = nullptr,
             ImagePullSource* pulls = nullptr);
  ~Reconciler() override;

  // Replaces the desired state; returns the keys whose desired pod changed (added, removed,
  // or a different spec hash or metadata). A pod given as the same shared decoding as at the
  // last call is unchanged without a look (ManifestSet's snapshots share them): a publish
  // costs what changed, not a copy of every pod.
  std::vector<std::string> setDesired(std::map<std::string, manifests::SharedPod> pods);
  std::vector<std::string> setDesired(std::map<std::string, manifests::DecodedPod> pods);
  // Reloads the observed state of every sandbox from the runtime (start-up and resync).
  Result<void> observeAll();
  // A runtime list() begins elsewhere (off the loop); applyObserved ends it.
  void beginListing();
  // The second half of observeAll, for a runtime list() made elsewhere (off the loop): a
  // pod whose runtime calls run now, or that was reconciled or whose calls ended since
  // beginListing, keeps what it has (the list may predate it). Returns the keys the list
  // changed: a sandbox that came, went or reads differently from what was observed before.
  Result<std::set<std::string>> applyObserved(Result<std::vector<runtime::SandboxState>> all);
  // Whether the last applyObserved (or observeAll) left this key's state as it was (its calls
  // were running, or it was looked at since the list began): the list is not its state.
  bool keptAtLastList(const std::string& key) const { return keptAtLastList_.contains(key); }

  struct Outcome {
    std::optional<int64_t> requeueAtNs;
    // Runtime calls of the key went off the loop (setRuntimeWork): the key stays being worked
    // on until `settled` is called for it, then it is reconciled again.
    bool inFlight = false;
  };
  // fromList: the caller knows the state last applied for this key is current (read after
  // everything that could change it, by the ReconcileLoop's resync list, the read-back of the
  // key's last job or its last pass, with no runtime event since): the plan starts from it
  // instead of reading the key's sandboxes again.
  Result<Outcome> reconcile(const std::string& key, bool fromList = false);

  // Every key known as desired or observed.
  std::vector<std::string> keys() const;
  // status::PodReader: the desired pods, the sandboxes as last observed, and the status store
  // (a pod refused at admission there is never handed to the runtime).
  const std::map<std::string, manifests::DecodedPod>& desired() const override { return desired_; }
  const runtime::SandboxState* observed(const std::string& uid) const override;
  std::vector<const runtime::SandboxState*> observedSandboxes() const override;
  // The key's sandboxes as last observed (by uid).
  std::vector<const runtime::SandboxState*> observedSandboxesOf(const std::string& key) const;
  const status::StatusStore& status() const override { return status_; }
  std::vector<std::string> podIPs(const std::string& uid) const override {
    return network_ ? network_->podIPs(uid) : std::vector<std::string>{};
  }
  // Pods' networks (CNI) go through this when set; without it a pod keeps a namespace with
  // only lo, and its containers start once the sandbox exists.
  void setPodNetwork(PodNetwork* network) { network_ = network; }
  // Runtime calls that wait (making and removing sandboxes, starts, kills, removals) go
  // through `work` when set (reconciler_offloop.cc): a reconcile that needs one gathers them,
  // in plan order, into one job for the key and returns Outcome::inFlight; when the job ended
  // its results are applied on the loop and settled(key, result, readBack) is called. The job
  // ends by reading the key's sandboxes back on the worker (after its calls); that state is
  // applied before settled, with readBack true when every read succeeded: the caller may then
  // plan the key's next reconcile from it (reconcile(key, true)) unless something happened
  // to the key meanwhile. Without a RuntimeWork the calls run at once (unit tests).
  void setRuntimeWork(
      RuntimeWork* work,
      std::function<void(const std::string& key, Result<void>, bool readBack)> settled);

  // Local storage (reconciler_storage.cc): the pods to measure now (those whose spec limits
  // it), and their usage once measured off the loop; an outgrown limit evicts at the next
  // reconcile.
  std::vector<StorageRequest> storageRequests() const;
  void noteStorageUsage(const std::string& uid, PodStorageUsage usage);
  // What to measure of one running pod's local storage.
  StorageRequest storageRequest(const std::string& key, const manifests::DecodedPod& pod,
                                const runtime::SandboxState& obs) const;

  // Node pressure (reconciler_pressure.cc). The running pods eviction may choose from, with
  // what to measure of each; evicting one (its next reconcile stops it for good: Failed,
  // Evicted, its containers given graceSeconds); the node's conditions, which admission
  // honours (a pod not yet running under its spec is refused as the kubelet refuses it).
  // setNodeConditions returns the keys whose admission changed.
  std::vector<PodUsageRequest> evictionCandidates() const;
  bool evict(const std::string& uid, std::string message, int64_t graceSeconds);
  std::vector<std::string> setNodeConditions(std::set<NodeCondition> conditions);
  const std::set<NodeCondition>& nodeConditions() const { return nodeConditions_; }

  // Probes (reconciler_probes.cc): when the next one is due, and sending those due now.
  std::optional<int64_t> probeDueNs() const;
  void runDueProbes();

 private:
  // What execute() carries out one plan's actions with.
  struct Step {
    const manifests::DecodedPod* desired;  // null: the pod is not wanted
    const std::string& uid;
    std::string key;
    const runtime::SandboxState* observed;  // null: nothing on the machine
  };

  Result<Outcome> reconcileKey(const std::string& key, bool fromList);
  Result<void> refreshObserved(const std::string& uid);
  // Records what inspect(uid) returned (the sandbox, or that there is none); an error changes
  // nothing and is returned.
  Result<void> applyInspected(const std::string& uid,
                              Result<std::optional<runtime::SandboxState>> state);
  Result<Plan> reconcileSandbox(const manifests::DecodedPod* desired, const std::string& uid);
  // In-place resize (reconciler_resize.cc): the pod to plan with when the sandbox runs desired
  // with other resources (the resize applied, refused or retried later), else &desired.
  struct ResizeStep {
    const manifests::DecodedPod* pod;
    std::optional<int64_t> requeueAtNs;
  };
  ResizeStep resizeSandbox(const manifests::DecodedPod& desired, const std::string& uid);
  void resizeApplied(const std::string& key, const std::string& uid, const std::string& target,
                     const std::string& what, const std::string& refusal, Result<void> r);
  Result<void> execute(const Plan& plan, const manifests::DecodedPod* desired,
                       const std::string& uid);
  Result<void> runAction(const Step& step, const Action& action);
  // Whether the plan's later actions may be gathered into the job of this one's call (they
  // need only its success), instead of being planned again once it ended.
  bool chainsAfter(const Step& step, const Action& action) const;
  Result<void> discardContainer(const Step& step, const std::string& container);
  Result<void> removeExited(const Step& step, const std::string& container);
  Result<void> stopContainer(const Step& step, const std::string& container);
  Result<void> killContainer(const Step& step, const std::string& container);
  Result<void> removeSandbox(const Step& step);
  Result<void> releaseSandbox(const Step& step);
  void publishWaiting(const Step& step, const Plan& plan);
  Result<void> ensureSandbox(const manifests::DecodedPod& pod, const std::string& key);
  // After ensureSandbox: whether the pod's network lets its containers start yet.
  Result<bool> networkReady(const manifests::DecodedPod& pod, const std::string& key);
  Result<void> refreshDownwardAPI(const manifests::DecodedPod& pod);
  Result<void> startContainer(const manifests::DecodedPod& pod, const std::string& name,
                              int restartCount);
  void noteStarted(const manifests::DecodedPod& pod);
  // The grace period a stop of the pod gives: an eviction's, else the pod's own.
  int64_t stopGraceSeconds(const std::string& uid, const runtime::SandboxState& obs) const;
  // Adds the node-pressure refusals to those of admission (reconciler_pressure.cc).
  void refusePressured(std::map<std::string, manifests::AdmitResult>& refused) const;
  void recordStop(const Plan& plan, const std::string& key, const std::string& uid,
                  const runtime::SandboxState& obs);
  void event(const std::string& key, const std::string& type, const std::string& reason,
             const std::string& message, const std::string& container = "");
  std::vector<std::string> observedUidsFor(const std::string& key) const;
  // pods_[uid].observed = state, indexed in observedByKey_.
  void setObserved(const std::string& uid, runtime::SandboxState state);
  // The key's sandboxes as observed, and its desired pod's uid if that is not among them.
  std::vector<std::string> uidsOf(const std::string& key) const;
  // The layers of each image volume the container mounts, by volume name, pulled as its
  // pullPolicy says; nullopt while one is still being pulled (or cannot be).
  Result<std::optional<std::map<std::string, std::vector<std::string>>>> imageVolumesForStart(
      const manifests::DecodedPod& pod, const std::string& key, const manifests::Container& c);
  // The image a start needs, pulled first when its policy says so (reconciler_images.cc):
  // nullopt while the container waits for it (the reason is in PodState::imageWaiting).
  Result<std::optional<runtime::ResolvedImage>> imageForStart(const std::string& key,
                                                              const std::string& uid,
                                                              const manifests::Container& c);
  // Probes and hooks (reconciler_probes.cc).
  void initProbesAndHooks();
  void initImagePulls();
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
  // Readiness and started of a pod's running containers as probes and hooks have them.
  status::ProbeStatus probeStatus(const std::string& uid) const;
  void forgetSandbox(const std::string& uid);
  const manifests::DecodedPod* acceptedSpec(const std::string& uid) const;
  PodState* podState(const std::string& uid);
  const PodState* podState(const std::string& uid) const;
  // A runtime call (it must hold copies only: it may run on a worker) and what follows from
  // its result on the loop. With a RuntimeWork the call joins this reconcile's job and
  // offLoop returns at once; endsPass: the plan's later actions need its result first (the
  // key is reconciled again once it ended), or, when chainsAfter says they need only its
  // success, their calls follow in the same job and run only if it succeeded. Without one:
  // then(call()) now. stage: "" or the start stage it measures.
  Result<void> offLoop(const char* stage, std::function<Result<void>()> call,
                       std::function<Result<void>(Result<void>)> then, bool endsPass);
  // As offLoop, but ahead of the calls this reconcile gathered so far (a record that should be
  // on disk before they run), after its signals; never ends the pass.
  Result<void> offLoopFirst(std::function<Result<void>()> call,
                            std::function<Result<void>(Result<void>)> then);
  // A stop signal: ahead of everything but the signals gathered before it (a stop's record,
  // which says the signal was sent, goes after it); never ends the pass.
  Result<void> offLoopSignal(std::function<Result<void>()> call,
                             std::function<Result<void>(Result<void>)> then);
  // The job gathered by this reconcile of key, if any, handed to the RuntimeWork.
  bool submitOffLoop(const std::string& key);
  // A key not known to be current whose sandboxes were seen before: they are read on a worker
  // (a job with no call, only its read-back), and the key is planned when the read is back.
  // False inline (no RuntimeWork) and for a key with none seen (a new pod: its read is two
  // failed access calls, cheaper than the hop), which is read on the loop.
  bool readOffLoop(const std::string& key);
  bool deferring() const { return batch_ != nullptr; }

  runtime::ContainerRuntime& runtime_;
  runtime::ImageService& images_;
  const Clock& clock_;
  NodePaths paths_;
  ReconcileHooks hooks_;
  CrashBackoff backoff_;
  std::map<std::string, manifests::DecodedPod> desired_;     // key -> pod
  std::map<std::string, manifests::SharedPod> desiredFrom_;  // what desired_ was copied from
  std::map<std::string, PodState> pods_;                     // uid -> what is known of its sandbox
  // key -> the uids of pods_ entries an observed sandbox of that key was recorded for
  // (setObserved): what observedUidsFor looks up instead of scanning every pod for every key.
  // A uid's key never changes; one whose observed state was reset since is skipped when read
  // and dropped at the next applyObserved.
  std::map<std::string, std::set<std::string>> observedByKey_;
  std::map<std::string, KeyState> keyStates_;  // key -> what outlives a uid
  status::StatusStore status_;
  probe::HandlerRunner* handlers_;
  std::unique_ptr<probe::ProbeManager> probes_;       // set when there is a runner
  std::unique_ptr<probe::PostStartHooks> postStart_;  // set when there is a runner
  std::unique_ptr<ContainerStopper> stopper_;
  ImagePullSource* pullSource_;
  std::unique_ptr<ImagePulls> pulls_;        // set when there is a pull source
  std::optional<int64_t> imageRecheckAtNs_;  // a pull back-off ends: reconcile the key then
  PodNetwork* network_ = nullptr;
  RuntimeWork* work_ = nullptr;
  std::function<void(const std::string&, Result<void>, bool readBack)> settled_;
  struct OffLoopJob;
  std::shared_ptr<OffLoopJob> batch_;  // this reconcile's calls, not yet handed off
  bool passEnded_ = false;             // a call of this reconcile ended its pass
  std::set<std::string> busyKeys_;     // keys whose job runs: observeAll leaves them alone
  std::set<std::string> keptAtLastList_;
  // While a list() runs off the loop: the keys reconciled or settled since it began.
  std::optional<std::set<std::string>> touchedWhileListing_;
  void touched(const std::string& key) {
    if (touchedWhileListing_) touchedWhileListing_->insert(key);
  }
  std::set<NodeCondition> nodeConditions_;  // MemoryPressure, DiskPressure, PIDPressure now
  std::map<std::string, manifests::AdmitResult> admissionRefusals_;  // without the pressure ones
};

}  // namespace podkeeper::reconciler
