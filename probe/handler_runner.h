#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

// What probes and lifecycle hooks do (exec, httpGet, tcpSocket, grpc, sleep), done without blocking
// the agent's loop. The reconciler decides what runs and when; a HandlerRunner runs it.
namespace podkeeper::probe {

// Refused: a handler the kubelet does not run (a tcpSocket lifecycle hook, kept by the API for
// backward compatibility): it fails at once with `refusal` as its message.
enum class HandlerKind { Exec, HttpGet, TcpSocket, Sleep, Grpc, Refused };

struct HandlerSpec {
  HandlerKind kind = HandlerKind::Exec;
  std::string sandboxUid;
  std::string container;
  std::vector<std::string> command;  // Exec
  // HttpGet, TcpSocket, Grpc. podNetwork: connect from inside the sandbox's network namespace (the
  // pod's own address is 127.0.0.1 there); otherwise from the agent's own namespace.
  bool podNetwork = true;
  std::string address = "127.0.0.1";  // an IPv4 or IPv6 literal
  int port = 0;
  std::string path = "/";  // HttpGet
  // HttpGet scheme HTTPS: TLS without certificate verification, as the kubelet probes; SNI
  // is the Host header's host when given, else serverName (a host field that is a name).
  bool https = false;
  std::string serverName;
  std::vector<std::pair<std::string, std::string>> headers;  // HttpGet, as written
  int64_t sleepMs = 0;                                       // Sleep
  std::string refusal;                                       // Refused
  std::string grpcService;  // Grpc: the service asked about ("" is the server as a whole)
  // Exec, HttpGet, TcpSocket, Grpc: the attempt fails after this (an exec'd command is killed).
  int64_t timeoutMs = 1000;
  bool operator==(const HandlerSpec&) const = default;
};

// Success and Warning pass (Warning: an HTTP redirect was not followed, as the kubelet reports
// it). Failure: the handler ran and failed. Error: it could not be run at all (the container
// is gone, no such command): the kubelet does not count such a probe result.
enum class HandlerOutcome { Success, Warning, Failure, Error };

struct HandlerResult {
  HandlerOutcome outcome = HandlerOutcome::Error;
  std::string message;  // exec: the output; otherwise what went wrong, or the HTTP body
};

class HandlerRunner {
 public:
  using Id = uint64_t;
  using Done = std::function<void(HandlerResult)>;
  virtual ~HandlerRunner() = default;
  // Starts the handler. done is called exactly once, later and on the loop (never from inside
  // start), unless the handler is cancelled first.
  virtual Id start(const HandlerSpec& spec, Done done) = 0;
  // Abandons a handler: done is not called; an exec'd command is killed and reaped.
  virtual void cancel(Id id) = 0;
};

// "exec", "httpGet", "tcpSocket", "sleep", "grpc"
const char* toString(HandlerKind kind);

}  // namespace podkeeper::probe
