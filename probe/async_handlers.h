#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <map>
#include <memory>

#include "common/background_work.h"
#include "probe/handler_runner.h"
#include "runtime/container_runtime.h"

// HandlerRunner on the agent's io_context: exec through runtime::ContainerRuntime::startExec with
// the output pipe and the joiner's pidfd awaited by the loop, httpGet and tcpSocket on a socket the
// runtime made in the pod's network namespace, grpc on such a socket with the gRPC call on
// BackgroundWork, sleep on a timer. Nothing blocks the loop: a
// hung handler costs only its own timeout.
namespace podkeeper::probe {

namespace detail {
class AsyncOp;
}

class AsioHandlerRunner final : public HandlerRunner {
 public:
  AsioHandlerRunner(boost::asio::io_context& io, runtime::ContainerRuntime& runtime);
  // Kills and reaps every exec still running.
  ~AsioHandlerRunner() override;
  AsioHandlerRunner(const AsioHandlerRunner&) = delete;
  AsioHandlerRunner& operator=(const AsioHandlerRunner&) = delete;

  Id start(const HandlerSpec& spec, Done done) override;
  void cancel(Id id) override;
  size_t running() const { return ops_.size(); }

 private:
  struct Running {
    std::shared_ptr<detail::AsyncOp> op;
    Done done;
  };
  void finished(Id id, HandlerResult result);

  boost::asio::io_context& io_;
  runtime::ContainerRuntime& runtime_;
  boost::asio::ssl::context tls_;  // HTTPS probes and hooks
  Id next_ = 0;
  std::map<Id, Running> ops_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // gRPC health checks (blocking calls), made at the first grpc probe. Last: destroyed first,
  // waiting for the calls in flight (each bounded by its probe's timeout).
  std::unique_ptr<BackgroundWork> grpcWork_;
};

}  // namespace podkeeper::probe
