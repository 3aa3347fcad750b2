#include "probe/prober.h"

#include <spdlog/spdlog.h>

#include "manifests/identity.h"
#include "probe/handler_specs.h"

namespace podkeeper::probe {
namespace {

// Event messages are cut where the Kubernetes event recorder cuts them.
constexpr size_t kMaxEventMessage = 1024;

std::string capped(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.size() > kMaxEventMessage) s.resize(kMaxEventMessage);
  return s;
}

const char* metricResult(HandlerOutcome o) {
  switch (o) {
    case HandlerOutcome::Success:
    case HandlerOutcome::Warning:
      return "success";
    case HandlerOutcome::Failure:
      return "failure";
    case HandlerOutcome::Error:
      return "error";
  }
  return "error";
}

}  // namespace

ProbeManager::ProbeManager(HandlerRunner& runner, const Clock& clock, std::string hostIP,
                           Hooks hooks)
    : runner_(runner), clock_(clock), hostIP_(std::move(hostIP)), hooks_(std::move(hooks)) {}

ProbeManager::~ProbeManager() {
  while (!probed_.empty()) drop(probed_.begin());
}

void ProbeManager::drop(std::map<Id, Probed>::iterator it) {
  for (auto& s : it->second.slots)
    if (s.running) runner_.cancel(*s.running);
  probed_.erase(it);
}

void ProbeManager::forget(const std::string& uid) {
  for (auto it = probed_.begin(); it != probed_.end();) {
    auto next = std::next(it);
    if (it->first.first == uid) drop(it);
    it = next;
  }
}

void ProbeManager::sync(const manifests::DecodedPod& pod, const runtime::SandboxState& observed,
                        const std::function<bool(const std::string&)>& allowed) {
  const auto& meta = pod.pod.metadata;
  bool added = false;
  std::map<std::string, const runtime::ContainerState*> running;
  for (const auto& c : observed.containers)
    if (c.running) running[c.name] = &c;
  for (const auto* list : {&pod.pod.spec.initContainers, &pod.pod.spec.containers}) {
    for (const auto& spec : *list) {
      const Id id{pod.uid, spec.name};
      auto it = probed_.find(id);
      auto have = running.find(spec.name);
      const bool wanted = have != running.end() && allowed(spec.name) &&
                          (spec.livenessProbe || spec.readinessProbe || spec.startupProbe);
      if (it != probed_.end() && (!wanted || it->second.startedAtNs != have->second->startedAtNs)) {
        drop(it);
        it = probed_.end();
      }
      if (!wanted || it != probed_.end()) continue;
      Probed p{manifests::podKey(meta.namespace_, meta.name),
               meta.namespace_,
               meta.name,
               have->second->startedAtNs,
               {},
               std::nullopt,
               std::nullopt};
      auto add = [&](ProbeType type, const std::optional<manifests::Probe>& probe) {
        if (probe)
          p.slots.push_back({ProbeWorker(type, *probe, p.startedAtNs),
                             probeHandlerSpec(*probe, spec, pod, hostIP_), std::nullopt});
      };
      add(ProbeType::Startup, spec.startupProbe);
      add(ProbeType::Liveness, spec.livenessProbe);
      add(ProbeType::Readiness, spec.readinessProbe);
      probed_.emplace(id, std::move(p));
      added = true;
    }
  }
  // Containers of this pod no longer in its spec (the pod is being replaced).
  for (auto it = probed_.begin(); it != probed_.end();) {
    auto next = std::next(it);
    if (it->first.first == pod.uid && !manifests::findContainer(pod.pod.spec, it->first.second))
      drop(it);
    it = next;
  }
  if (added && hooks_.scheduleChanged) hooks_.scheduleChanged();
}

std::optional<int64_t> ProbeManager::nextDueNs() const {
  std::optional<int64_t> next;
  for (const auto& [id, p] : probed_)
    for (const auto& s : p.slots)
      if (!s.running && !s.worker.finished() && (!next || s.worker.dueNs() < *next))
        next = s.worker.dueNs();
  return next;
}

void ProbeManager::runDue() {
  const int64_t now = clock_.nowNs();
  for (auto& [id, p] : probed_) {
    bool started = true;
    for (const auto& s : p.slots)
      if (s.worker.type() == ProbeType::Startup)
        started = s.worker.result() == ProbeResult::Success;
    for (size_t i = 0; i < p.slots.size(); ++i) {
      auto& w = p.slots[i].worker;
      if (p.slots[i].running || w.finished() || w.dueNs() > now) continue;
      if (w.type() != ProbeType::Startup && !started) {
        w.skip(now);  // liveness and readiness wait for the startup probe, as the kubelet's
        continue;
      }
      send(id, p, i, now);
    }
  }
}

void ProbeManager::send(const Id& id, Probed& p, size_t index, int64_t nowNs) {
  Slot& s = p.slots[index];
  s.worker.sent(nowNs);
  s.running = runner_.start(s.spec, [this, id, startedAt = p.startedAtNs, index](HandlerResult r) {
    answered(id, startedAt, index, std::move(r));
  });
}

void ProbeManager::answered(const Id& id, int64_t startedAtNs, size_t index, HandlerResult r) {
  auto it = probed_.find(id);
  if (it == probed_.end() || it->second.startedAtNs != startedAtNs) return;
  Probed& p = it->second;
  Slot& s = p.slots[index];
  s.running.reset();
  const ProbeType type = s.worker.type();
  const int64_t now = clock_.nowNs();
  if (hooks_.result) hooks_.result(p.ns, p.pod, id.second, toString(type), metricResult(r.outcome));
  auto event = [&](const std::string& reason, const std::string& what) {
    if (hooks_.event)
      hooks_.event(p.key, "Warning", reason, eventName(type) + " probe " + what, id.second);
  };
  if (r.outcome == HandlerOutcome::Failure) event("Unhealthy", "failed: " + capped(r.message));
  if (r.outcome == HandlerOutcome::Error) event("Unhealthy", "errored: " + capped(r.message));
  if (r.outcome == HandlerOutcome::Warning) event("ProbeWarning", "warning: " + capped(r.message));

  if (s.worker.record(r.outcome, now)) {
    const ProbeResult result = s.worker.result();
    const bool ok = result == ProbeResult::Success;
    if (ok)
      spdlog::info("pod {}: container {}: {} probe passed", p.key, id.second, toString(type));
    else
      spdlog::warn("pod {}: container {}: {} probe failed {} times: {}", p.key, id.second,
                   toString(type), s.worker.spec().failureThreshold, capped(r.message));
    if (type == ProbeType::Readiness) p.readinessChangedNs = now;
    if (type == ProbeType::Startup && ok) {
      for (auto& other : p.slots) other.worker.dueNow(now);
      p.readinessChangedNs = now;
      // A sidecar init container holds the next init container until it has started.
      if (hooks_.requeue) hooks_.requeue(p.key);
    }
    if (type != ProbeType::Readiness && !ok) {
      p.failure =
          ProbeFailure{type, capped(r.message), s.worker.spec().terminationGracePeriodSeconds};
      if (hooks_.requeue) hooks_.requeue(p.key);
    }
  }
  if (hooks_.scheduleChanged) hooks_.scheduleChanged();
}

const ProbeManager::Slot* ProbeManager::slot(const Id& id, ProbeType type) const {
  auto it = probed_.find(id);
  if (it == probed_.end()) return nullptr;
  for (const auto& s : it->second.slots)
    if (s.worker.type() == type) return &s;
  return nullptr;
}

std::optional<bool> ProbeManager::started(const std::string& uid,
                                          const std::string& container) const {
  const Id id{uid, container};
  if (!probed_.contains(id)) return std::nullopt;
  const Slot* s = slot(id, ProbeType::Startup);
  return !s || s->worker.result() == ProbeResult::Success;
}

std::optional<bool> ProbeManager::ready(const std::string& uid,
                                        const std::string& container) const {
  auto isStarted = started(uid, container);
  if (!isStarted) return std::nullopt;
  const Slot* s = slot({uid, container}, ProbeType::Readiness);
  return *isStarted && (!s || s->worker.result() == ProbeResult::Success);
}

std::optional<int64_t> ProbeManager::readinessChangedNs(const std::string& uid,
                                                        const std::string& container) const {
  auto it = probed_.find({uid, container});
  return it == probed_.end() ? std::nullopt : it->second.readinessChangedNs;
}

std::optional<ProbeFailure> ProbeManager::failure(const std::string& uid,
                                                  const std::string& container) const {
  auto it = probed_.find({uid, container});
  return it == probed_.end() ? std::nullopt : it->second.failure;
}

}  // namespace podkeeper::probe
