#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "probe/handler_runner.h"

// gRPC probes as the kubelet runs them: grpc.health.v1.Health/Check on a connection to the
// pod, SERVING passes, everything else fails with the kubelet prober's messages.
namespace podkeeper::probe {

// What one attempt saw. Exactly one of: connectError (the TCP connect failed or timed out),
// a call status other than OK (code, message), or a response's servingStatus.
struct GrpcCheck {
  std::optional<std::string> connectError;  // "" for a connect that timed out
  int code = 0;                             // grpc::StatusCode of the Check call
  std::string statusMessage;
  int servingStatus = 0;  // HealthCheckResponse.ServingStatus when code is OK
};

// The probe's result and message, worded as the kubelet's prober (pkg/probe/grpc). addr is
// "host:port"; timeoutMs the probe's timeout. Pure.
HandlerResult grpcProbeResult(const GrpcCheck& check, const std::string& addr, int64_t timeoutMs);

// Go's time.Duration formatting of a whole number of milliseconds ("1s", "1.5s", "300ms").
std::string goDuration(int64_t ms);
// Go's grpc codes.Code String() ("NotFound"); "Code(N)" for others.
std::string grpcCodeName(int code);

// Calls Check(service) over connectedFd, which it takes (closed in every case), until
// deadline. Blocks: run it on BackgroundWork, never on the loop.
GrpcCheck grpcHealthCheck(int connectedFd, const std::string& addr, const std::string& service,
                          std::chrono::system_clock::time_point deadline);

}  // namespace podkeeper::probe
