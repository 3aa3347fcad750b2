#include "probe/async_handlers.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "probe/async_ops.h"

namespace podkeeper::probe {
namespace detail {
namespace {

class SleepOp final : public AsyncOp, public std::enable_shared_from_this<SleepOp> {
 public:
  SleepOp(boost::asio::io_context& io, int64_t ms) : timer_(io), ms_(ms) {}
  void begin() override {
    timer_.expires_after(std::chrono::milliseconds(ms_));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec && !self->aborted_) self->complete({HandlerOutcome::Success, ""});
    });
  }
  void abort() override {
    aborted_ = true;
    timer_.cancel();
  }

 private:
  boost::asio::steady_timer timer_;
  int64_t ms_;
  bool aborted_ = false;
};

// Completes with a failure as soon as it begins (begin runs from the loop, never inside start).
class RefusedOp final : public AsyncOp {
 public:
  explicit RefusedOp(std::string message) : message_(std::move(message)) {}
  void begin() override {
    if (!aborted_) complete({HandlerOutcome::Failure, message_});
  }
  void abort() override { aborted_ = true; }

 private:
  std::string message_;
  bool aborted_ = false;
};

}  // namespace

std::shared_ptr<AsyncOp> makeSleepOp(boost::asio::io_context& io, const HandlerSpec& spec) {
  return std::make_shared<SleepOp>(io, spec.sleepMs);
}

}  // namespace detail

AsioHandlerRunner::AsioHandlerRunner(boost::asio::io_context& io,
                                     runtime::ContainerRuntime& runtime)
    : io_(io), runtime_(runtime), tls_(boost::asio::ssl::context::tls_client) {
  // The kubelet's prober: TLS 1.2 or newer, and no verification of the container's
  // certificate (InsecureSkipVerify), which is usually self-signed.
  SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
  tls_.set_verify_mode(boost::asio::ssl::verify_none);
}

AsioHandlerRunner::~AsioHandlerRunner() {
  *alive_ = false;
  for (auto& [id, running] : ops_) running.op->abort();
}

HandlerRunner::Id AsioHandlerRunner::start(const HandlerSpec& spec, Done done) {
  std::shared_ptr<detail::AsyncOp> op;
  switch (spec.kind) {
    case HandlerKind::Exec:
      op = detail::makeExecOp(io_, runtime_, spec);
      break;
    case HandlerKind::HttpGet:
    case HandlerKind::TcpSocket:
      op = detail::makeSocketOp(io_, runtime_, spec, tls_);
      break;
    case HandlerKind::Sleep:
      op = detail::makeSleepOp(io_, spec);
      break;
    case HandlerKind::Refused:
      op = std::make_shared<detail::RefusedOp>(spec.refusal);
      break;
    case HandlerKind::Grpc:
      if (!grpcWork_) grpcWork_ = std::make_unique<BackgroundWork>(io_, 2);
      op = detail::makeGrpcOp(io_, runtime_, spec, *grpcWork_);
      break;
  }
  const Id id = ++next_;
  op->complete = [this, id, alive = alive_](HandlerResult r) {
    if (*alive) finished(id, std::move(r));
  };
  ops_[id] = {op, std::move(done)};
  // Begun from the loop, so done is never called from inside start.
  boost::asio::post(io_, [op, alive = alive_] {
    if (*alive) op->begin();
  });
  return id;
}

void AsioHandlerRunner::cancel(Id id) {
  auto it = ops_.find(id);
  if (it == ops_.end()) return;
  it->second.op->abort();
  ops_.erase(it);
}

void AsioHandlerRunner::finished(Id id, HandlerResult result) {
  auto it = ops_.find(id);
  if (it == ops_.end()) return;
  Done done = std::move(it->second.done);
  ops_.erase(it);
  if (done) done(std::move(result));
}

}  // namespace podkeeper::probe
