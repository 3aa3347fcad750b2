#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>

#include "common/background_work.h"
#include "probe/handler_runner.h"
#include "runtime/container_runtime.h"

// The operations behind AsioHandlerRunner, one per handler kind. Each keeps itself alive
// (shared_from_this in its handlers) until its last handler ran, so an abandoned exec is
// still reaped.
namespace podkeeper::probe::detail {

class AsyncOp {
 public:
  virtual ~AsyncOp() = default;
  virtual void begin() = 0;
  // Stops the operation; complete is not called afterwards.
  virtual void abort() = 0;
  std::function<void(HandlerResult)> complete;
};

// Exec output kept for the result (the kubelet reads at most 10 KiB).
inline constexpr size_t kMaxExecOutputBytes = 10 * 1024;

std::shared_ptr<AsyncOp> makeExecOp(boost::asio::io_context& io, runtime::ContainerRuntime& runtime,
                                    const HandlerSpec& spec);
// tls: the client context of HTTPS probes (no certificate verification, as the kubelet).
std::shared_ptr<AsyncOp> makeSocketOp(boost::asio::io_context& io,
                                      runtime::ContainerRuntime& runtime, const HandlerSpec& spec,
                                      boost::asio::ssl::context& tls);
// grpc: the Health/Check call runs on work (it blocks); the connect on the loop.
std::shared_ptr<AsyncOp> makeGrpcOp(boost::asio::io_context& io, runtime::ContainerRuntime& runtime,
                                    const HandlerSpec& spec, BackgroundWork& work);
std::shared_ptr<AsyncOp> makeSleepOp(boost::asio::io_context& io, const HandlerSpec& spec);

}  // namespace podkeeper::probe::detail
