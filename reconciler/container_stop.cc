#include "reconciler/container_stop.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "reconciler/plan.h"

namespace podkeeper::reconciler {

ContainerStopper::ContainerStopper(runtime::ContainerRuntime& runtime, probe::HandlerRunner* runner,
                                   const Clock& clock,
                                   std::function<void(const std::string&)> requeue, EventFn event)
    : runtime_(runtime),
      runner_(runner),
      clock_(clock),
      requeue_(std::move(requeue)),
      event_(std::move(event)) {}

ContainerStopper::~ContainerStopper() {
  for (auto& [id, s] : stops_)
    if (s.hook) runner_->cancel(*s.hook);
}

void ContainerStopper::begin(Stop& s) {
  const auto& r = s.request;
  const int64_t now = clock_.nowNs();
  s.graceEndNs = nsAfter(now, r.graceSeconds);
  if (!r.preStop || r.graceSeconds <= 0 || !runner_) return;
  spdlog::info("pod {}: container {}: running its preStop hook ({}, grace {}s)", r.key, r.container,
               probe::toString(r.preStop->kind), r.graceSeconds);
  probe::HandlerSpec hook = *r.preStop;
  if (hook.kind != probe::HandlerKind::Sleep) hook.timeoutMs = timeoutMsFromSeconds(r.graceSeconds);
  s.hook = runner_->start(
      hook, [this, id = Id{r.uid, r.container}, startedAt = r.containerStartedAtNs](
                probe::HandlerResult res) { hookDone(id, startedAt, std::move(res)); });
}

void ContainerStopper::hookDone(const Id& id, int64_t startedAtNs, probe::HandlerResult r) {
  auto it = stops_.find(id);
  if (it == stops_.end() || it->second.request.containerStartedAtNs != startedAtNs) return;
  Stop& s = it->second;
  s.hook.reset();
  s.hookRan = true;
  const auto& req = s.request;
  if (r.outcome == probe::HandlerOutcome::Failure || r.outcome == probe::HandlerOutcome::Error) {
    std::string message = "PreStopHook failed: " + r.message;
    spdlog::warn("pod {}: container {}: {}", req.key, req.container, message);
    if (event_) event_(req.key, "Warning", "FailedPreStopHook", message, req.container);
  }
  if (requeue_) requeue_(req.key);
}

Result<int64_t> ContainerStopper::drive(const StopRequest& request) {
  const Id id{request.uid, request.container};
  auto it = stops_.find(id);
  if (it != stops_.end() &&
      it->second.request.containerStartedAtNs != request.containerStartedAtNs) {
    forget(request.uid, request.container);
    it = stops_.end();
  }
  if (it == stops_.end()) {
    it =
        stops_.emplace(id, Stop{request, 0, std::nullopt, false, std::nullopt, std::nullopt}).first;
    begin(it->second);
  }
  Stop& s = it->second;
  const int64_t now = clock_.nowNs();
  if (s.hook && now < s.graceEndNs) return s.graceEndNs;
  if (s.hook) {  // the grace period ran out first: the hook is abandoned (and killed)
    spdlog::warn("pod {}: container {}: preStop hook still running after the grace period",
                 request.key, request.container);
    runner_->cancel(*s.hook);
    s.hook.reset();
    s.hookRan = true;
  }
  if (!s.sigtermAtNs) {
    s.sigtermAtNs = now;
    auto r = signal_ ? signal_(request.uid, request.container, request.stopSignal)
                     : runtime_.signalContainer(request.uid, request.container, request.stopSignal);
    if (!r && r.error().code != ESRCH) return fail(r.error());
  }
  int64_t killAt = s.graceEndNs;
  if (s.hookRan) killAt = std::max(killAt, *s.sigtermAtNs + kMinGraceAfterPreStopNs);
  if (now < killAt) return killAt;
  if (!s.killedAtNs || now >= *s.killedAtNs + kExitSettleNs) {
    if (!s.killedAtNs) {
      spdlog::warn("pod {}: killing container {} (SIGKILL: grace period over)", request.key,
                   request.container);
      if (event_)
        event_(request.key, "Normal", "Killing",
               "Killing container " + request.container + " (SIGKILL)", request.container);
    }
    s.killedAtNs = now;
    auto r = kill_ ? kill_(request.uid, request.container)
                   : runtime_.killContainer(request.uid, request.container);
    if (!r && r.error().code != ESRCH) return fail(r.error());
  }
  return now + kExitSettleNs;
}

bool ContainerStopper::stopping(const std::string& uid, const std::string& container) const {
  return stops_.contains({uid, container});
}

std::vector<StopRequest> ContainerStopper::underway(const std::string& uid) const {
  std::vector<StopRequest> out;
  for (const auto& [id, s] : stops_)
    if (id.first == uid) out.push_back(s.request);
  return out;
}

void ContainerStopper::forget(const std::string& uid, const std::string& container) {
  auto it = stops_.find({uid, container});
  if (it == stops_.end()) return;
  if (it->second.hook) runner_->cancel(*it->second.hook);
  stops_.erase(it);
}

void ContainerStopper::forgetPod(const std::string& uid) {
  for (auto it = stops_.begin(); it != stops_.end();) {
    auto next = std::next(it);
    if (it->first.first == uid) forget(it->first.first, it->first.second);
    it = next;
  }
}

}  // namespace podkeeper::reconciler
