#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "manifests/pod.h"
#include "probe/handler_runner.h"

// One probe of one container instance, as the kubelet's prober worker (pkg/kubelet/prober):
// when it is due and what its outcomes add up to. No I/O, no clock: times are passed in.
namespace podkeeper::probe {

enum class ProbeType { Liveness, Readiness, Startup };
const char* toString(ProbeType t);   // "liveness"
std::string eventName(ProbeType t);  // "Liveness", as in the kubelet's event messages

enum class ProbeResult { Unknown, Success, Failure };

class ProbeWorker {
 public:
  ProbeWorker(ProbeType type, const manifests::Probe& spec, int64_t containerStartedNs);

  ProbeType type() const { return type_; }
  const manifests::Probe& spec() const { return spec_; }
  // Readiness starts as Failure, liveness as Success, startup as Unknown (not started).
  ProbeResult result() const { return result_; }
  // A liveness or startup probe that failed, and a startup probe that passed, probe no more
  // (the container is restarted, or it has started).
  bool finished() const;
  bool inFlight() const { return inFlight_; }
  // When the next probe is due: initialDelaySeconds after the container started, then every
  // periodSeconds.
  int64_t dueNs() const { return dueNs_; }

  // A probe goes out now.
  void sent(int64_t nowNs);
  // A period passes without a probe (liveness and readiness wait for the startup probe).
  void skip(int64_t nowNs);
  // Counts one outcome: a run of successThreshold successes or failureThreshold failures sets
  // the result; an Error is thrown away, as the kubelet does. True when the result changed.
  bool record(HandlerOutcome outcome, int64_t nowNs);
  // Probes again at once (readiness and liveness once the startup probe passed).
  void dueNow(int64_t nowNs);

 private:
  ProbeType type_;
  manifests::Probe spec_;
  ProbeResult result_;
  ProbeResult lastOutcome_ = ProbeResult::Unknown;
  int run_ = 0;
  bool inFlight_ = false;
  bool onHold_ = false;
  int64_t dueNs_;
};

}  // namespace podkeeper::probe
