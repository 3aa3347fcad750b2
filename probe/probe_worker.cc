#include "probe/probe_worker.h"

#include <algorithm>

#include "common/clock.h"

namespace podkeeper::probe {

const char* toString(ProbeType t) {
  switch (t) {
    case ProbeType::Liveness:
      return "liveness";
    case ProbeType::Readiness:
      return "readiness";
    case ProbeType::Startup:
      return "startup";
  }
  return "unknown";
}

std::string eventName(ProbeType t) {
  std::string s = toString(t);
  s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

ProbeWorker::ProbeWorker(ProbeType type, const manifests::Probe& spec, int64_t containerStartedNs)
    : type_(type),
      spec_(spec),
      result_(type == ProbeType::Readiness  ? ProbeResult::Failure
              : type == ProbeType::Liveness ? ProbeResult::Success
                                            : ProbeResult::Unknown),
      dueNs_(containerStartedNs + int64_t{spec.initialDelaySeconds} * kNsPerSec) {}

bool ProbeWorker::finished() const {
  return onHold_ || (type_ == ProbeType::Startup && result_ == ProbeResult::Success);
}

void ProbeWorker::sent(int64_t nowNs) {
  inFlight_ = true;
  dueNs_ = nowNs + int64_t{spec_.periodSeconds} * kNsPerSec;
}

void ProbeWorker::skip(int64_t nowNs) {
  const int64_t period = int64_t{spec_.periodSeconds} * kNsPerSec;
  while (dueNs_ <= nowNs) dueNs_ += period;
}

void ProbeWorker::dueNow(int64_t nowNs) { dueNs_ = std::min(dueNs_, nowNs); }

bool ProbeWorker::record(HandlerOutcome outcome, int64_t nowNs) {
  inFlight_ = false;
  dueNs_ = std::max(dueNs_, nowNs);  // a probe slower than its period: the next one at once
  if (outcome == HandlerOutcome::Error || onHold_) return false;
  const ProbeResult r =
      outcome == HandlerOutcome::Failure ? ProbeResult::Failure : ProbeResult::Success;
  if (r == lastOutcome_) {
    ++run_;
  } else {
    lastOutcome_ = r;
    run_ = 1;
  }
  if ((r == ProbeResult::Failure && run_ < spec_.failureThreshold) ||
      (r == ProbeResult::Success && run_ < spec_.successThreshold))
    return false;
  const bool changed = r != result_;
  result_ = r;
  if (r == ProbeResult::Failure && type_ != ProbeType::Readiness) {
    onHold_ = true;  // the container is restarted; its next instance gets a new worker
    run_ = 0;
  }
  return changed;
}

}  // namespace podkeeper::probe
