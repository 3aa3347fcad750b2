#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>

#include "probe/async_ops.h"
#include "probe/grpc_probe.h"

namespace podkeeper::probe::detail {
namespace {

using boost::asio::ip::tcp;

// grpc: the TCP connection is made as for tcpSocket (a socket the runtime opened in the pod's
// network namespace, connected by the loop without blocking); its fd is then handed to a gRPC
// channel and Health/Check runs on BackgroundWork with what is left of the probe's timeout as
// its deadline. The loop never waits on the network.
class GrpcOp final : public AsyncOp, public std::enable_shared_from_this<GrpcOp> {
 public:
  GrpcOp(boost::asio::io_context& io, runtime::ContainerRuntime& runtime, HandlerSpec spec,
         BackgroundWork& work)
      : runtime_(runtime), spec_(std::move(spec)), socket_(io), timer_(io), work_(work) {}

  void begin() override {
    if (done_) return;
    started_ = std::chrono::system_clock::now();
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(spec_.address, ec);
    if (ec) return finish({HandlerOutcome::Error, "not an IP address: \"" + spec_.address + "\""});
    addr_ = address.is_v6() ? "[" + spec_.address + "]:" + std::to_string(spec_.port)
                            : spec_.address + ":" + std::to_string(spec_.port);
    const int family = address.is_v6() ? AF_INET6 : AF_INET;
    int fd = -1;
    if (spec_.podNetwork) {
      auto made = runtime_.openPodSocket(spec_.sandboxUid, family);
      if (!made) return finish({HandlerOutcome::Error, made.error().message});
      fd = *made;
    } else {
      fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) return finish({HandlerOutcome::Error, std::string("socket: ") + strerror(errno)});
    }
    socket_.assign(address.is_v6() ? tcp::v6() : tcp::v4(), fd, ec);
    if (ec) {
      ::close(fd);
      return finish({HandlerOutcome::Error, "socket: " + ec.message()});
    }
    timer_.expires_after(std::chrono::milliseconds(spec_.timeoutMs));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
      if (e || self->done_ || self->calling_) return;
      self->timedOut_ = true;
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    });
    socket_.async_connect(
        tcp::endpoint(address, static_cast<unsigned short>(spec_.port)),
        [self = shared_from_this()](const boost::system::error_code& e) { self->connected(e); });
  }

  void abort() override {
    done_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void connected(const boost::system::error_code& ec) {
    if (done_) return;
    if (timedOut_ || ec) {
      GrpcCheck check;
      check.connectError = timedOut_ ? "" : ec.message();
      return finish(grpcProbeResult(check, addr_, spec_.timeoutMs));
    }
    calling_ = true;
    timer_.cancel();
    const int fd = socket_.release();
    const auto deadline = started_ + std::chrono::milliseconds(spec_.timeoutMs);
    work_.run([fd, addr = addr_, service = spec_.grpcService,
               deadline] { return grpcHealthCheck(fd, addr, service, deadline); },
              [self = shared_from_this()](GrpcCheck check) {
                self->finish(grpcProbeResult(check, self->addr_, self->spec_.timeoutMs));
              });
  }

  void finish(HandlerResult r) {
    if (done_) return;
    done_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
    complete(std::move(r));
  }

  runtime::ContainerRuntime& runtime_;
  HandlerSpec spec_;
  tcp::socket socket_;
  boost::asio::steady_timer timer_;
  BackgroundWork& work_;
  std::string addr_;
  std::chrono::system_clock::time_point started_;
  bool timedOut_ = false, calling_ = false, done_ = false;
};

}  // namespace

std::shared_ptr<AsyncOp> makeGrpcOp(boost::asio::io_context& io, runtime::ContainerRuntime& runtime,
                                    const HandlerSpec& spec, BackgroundWork& work) {
  return std::make_shared<GrpcOp>(io, runtime, spec, work);
}

}  // namespace podkeeper::probe::detail
