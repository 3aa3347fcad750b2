#include "probe/grpc_probe.h"

#include <array>

namespace podkeeper::probe {
namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

const char* servingStatusName(int s) {
  static constexpr std::array<const char*, 4> kNames = {"UNKNOWN", "SERVING", "NOT_SERVING",
                                                        "SERVICE_UNKNOWN"};
  return s >= 0 && s < static_cast<int>(kNames.size()) ? kNames[static_cast<size_t>(s)] : nullptr;
}

constexpr int kOk = 0, kDeadlineExceeded = 4, kUnimplemented = 12;

}  // namespace

std::string goDuration(int64_t ms) {
  if (ms == 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string s = std::to_string(ms / 1000);
  if (int64_t frac = ms % 1000; frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, 3 - f.size(), '0');
    while (f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s + "s";
}

std::string grpcCodeName(int code) {
  static constexpr std::array<const char*, 17> kNames = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  if (code >= 0 && code < static_cast<int>(kNames.size())) return kNames[static_cast<size_t>(code)];
  return "Code(" + std::to_string(code) + ")";
}

HandlerResult grpcProbeResult(const GrpcCheck& c, const std::string& addr, int64_t timeoutMs) {
  if (c.connectError) {
    // The kubelet dials with WithBlock: a refused or unreachable port is retried until the
    // deadline, so every failure to connect is reported as the timeout.
    return {HandlerOutcome::Failure, "timeout: failed to connect service " + quoted(addr) +
                                         " within " + goDuration(timeoutMs) +
                                         ": context deadline exceeded"};
  }
  if (c.code == kUnimplemented)
    return {HandlerOutcome::Failure,
            "error: this server does not implement the grpc health protocol "
            "(grpc.health.v1.Health): " +
                c.statusMessage};
  if (c.code == kDeadlineExceeded)
    return {HandlerOutcome::Failure,
            "timeout: health rpc did not complete within " + goDuration(timeoutMs)};
  if (c.code != kOk)
    return {HandlerOutcome::Failure, "error: health rpc probe failed: rpc error: code = " +
                                         grpcCodeName(c.code) + " desc = " + c.statusMessage};
  if (c.servingStatus != 1) {
    const char* name = servingStatusName(c.servingStatus);
    return {HandlerOutcome::Failure, "service unhealthy (responded with " +
                                         quoted(name ? name : std::to_string(c.servingStatus)) +
                                         ")"};
  }
  return {HandlerOutcome::Success, "service healthy"};
}

}  // namespace podkeeper::probe
