// The Reconciler's volume steps: what the kubelet's volume manager does for a pod.
#include <spdlog/spdlog.h>

#include "reconciler/pod_dns.h"
#include "reconciler/reconciler.h"
#include "runtime/sys/small_file.h"

namespace podkeeper::reconciler {
namespace {

// The node's resolv.conf; systemd-resolved's stub (127.0.0.53, unreachable from a pod's
// network) is followed to the file listing the real servers, as kubeadm points the kubelet.
std::string nodeResolvConf(const std::string& path) {
  auto read = [](const std::string& p) {
    auto text = runtime::readSmallFile(
        "/", p,
        runtime::SmallFileRead{
            .maxBytes = 64 * 1024, .truncate = true, .followSymlinksInRoot = true});
    return text ? *text : std::string();
  };
  std::string text = read(path);
  if (isResolvedStub(text)) {
    std::string real = read("/run/systemd/resolve/resolv.conf");
    if (!real.empty()) return real;
  }
  return text;
}

bool usesSELinuxOptions(const manifests::PodSpec& spec) {
  if (spec.securityContext.seLinuxOptions) return true;
  for (const auto* list : {&spec.initContainers, &spec.containers})
    for (const auto& c : *list)
      if (c.securityContext && c.securityContext->seLinuxOptions) return true;
  return false;
}

}  // namespace

// The kubelet mounts a pod's volumes before it makes anything else of the pod; a hostPath
// that fails its type check stops here, with the kubelet's FailedMount event, and is retried.
Result<void> Reconciler::ensureSandbox(const manifests::DecodedPod& pod, const std::string& key) {
  // While ADD runs the pod has no address yet, and its /etc/hosts is written without one: once
  // the network has given it others, the sandbox is ensured again before any container (which
  // bind-mounts the file) starts. Not when the IPs are those the files have (no CNI
  // configuration, host network): that was a second sandbox job for every pod.
  if (const auto* state = podState(pod.uid);
      state && state->sandboxFresh && (!network_ || state->sandboxIPs == network_->podIPs(pod.uid)))
    return {};
  runtime::SandboxSpec spec = sandboxSpec(pod, paths_);
  spec.createdAtNs = clock_.nowNs();  // kept by the runtime when the sandbox exists
  auto downward = downwardAPIVolumes(pod, paths_);
  if (!downward) {
    event(key, "Warning", "FailedMount", downward.error().message);
    return fail(downward.error());
  }
  spec.downwardAPIs = std::move(*downward);
  if (network_) spec.podIPs = network_->podIPs(pod.uid);  // for /etc/hosts, once ADD gave them
  const bool creating = observed(pod.uid) == nullptr;
  if (creating && usesSELinuxOptions(pod.pod.spec)) {
    // containerd and runc apply no label when the host has no SELinux (selinux.GetEnabled).
    spdlog::info("pod {}: seLinuxOptions are not applied: {}", key,
                 paths_.admission.seLinuxEnabled ? "podkeeper does not set SELinux labels"
                                                 : "SELinux is not enabled on this node");
  }
  auto dns = podResolvConf(pod.pod.spec, nodeResolvConf(paths_.resolvConfPath));
  if (!pod.pod.spec.hostNetwork || pod.pod.spec.dnsPolicy == "ClusterFirstWithHostNet" ||
      pod.pod.spec.dnsPolicy == "None" || pod.pod.spec.dnsConfig)
    spec.resolvConf = dns.resolvConf;
  auto mountFailed = std::make_shared<bool>(false);
  // The sandbox as it is once made: the pod is known from here on even if its manifest goes
  // before the next pass (which then removes it). With a RuntimeWork the job's read-back
  // (reconciler_offloop.cc) records it; inline, it is read here for the rest of this pass.
  using Inspected = Result<std::optional<runtime::SandboxState>>;
  auto made = std::make_shared<Inspected>(std::optional<runtime::SandboxState>());
  auto downwardAPIs = spec.downwardAPIs;
  auto ips = spec.podIPs;
  return offLoop(
      "sandbox",
      [&rt = runtime_, spec = std::move(spec), mountFailed, made,
       inline_ = work_ == nullptr]() -> Result<void> {
        if (auto r = rt.prepareVolumes(spec); !r) {
          *mountFailed = true;
          return r;
        }
        auto r = rt.ensureSandbox(spec);
        if (inline_) *made = rt.inspect(spec.uid);
        return r;
      },
      [this, uid = pod.uid, key, mountFailed, made,
       warnings = creating ? dns.warnings : decltype(dns.warnings){},
       downwardAPIs = std::move(downwardAPIs),
       ips = std::move(ips)](Result<void> r) mutable -> Result<void> {
        if (!r && *mountFailed) {
          event(key, "Warning", "FailedMount", r.error().message);
          return fail(r.error().context("pod " + key));
        }
        for (const auto& [reason, message] : warnings) event(key, "Warning", reason, message);
        if (*made && **made) setObserved(uid, std::move(***made));
        if (!r) return r;
        auto& state = pods_[uid];
        state.downwardWritten = std::move(downwardAPIs);
        state.sandboxIPs = std::move(ips);
        state.sandboxFresh = work_ != nullptr;  // the next start needs no second ensure
        return {};
      },
      true);
}

Result<bool> Reconciler::networkReady(const manifests::DecodedPod& pod, const std::string& key) {
  if (!network_) return true;
  auto ready = network_->ready(pod, key);
  if (!ready) {
    event(key, "Warning", "NetworkNotReady", ready.error().message);
    return fail(ready.error().context("pod " + key));
  }
  if (!ready->eventReason.empty()) event(key, "Warning", ready->eventReason, ready->eventMessage);
  return ready->ready;
}

// A running pod whose labels or annotations changed (no restart: the spec hash is the same)
// gets its downwardAPI files rewritten. Rendering is in memory; the runtime is only asked when
// the files differ from what was last written.
Result<void> Reconciler::refreshDownwardAPI(const manifests::DecodedPod& pod) {
  const auto* obs = observed(pod.uid);
  if (!obs || obs->specHash != pod.specHash) return {};
  auto downward = downwardAPIVolumes(pod, paths_);
  if (!downward) return fail(downward.error());
  if (downward->empty() || pods_[pod.uid].downwardWritten == *downward) return {};
  runtime::SandboxSpec spec = sandboxSpec(pod, paths_);
  spec.downwardAPIs = std::move(*downward);
  if (auto r = runtime_.updateDownwardAPI(spec); !r) return r;
  pods_[pod.uid].downwardWritten = std::move(spec.downwardAPIs);
  return {};
}

}  // namespace podkeeper::reconciler
