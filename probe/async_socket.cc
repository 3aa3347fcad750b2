#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <optional>

#include "probe/async_ops.h"
#include "probe/http_probe.h"

namespace podkeeper::probe::detail {
namespace {

using boost::asio::ip::tcp;

namespace ssl = boost::asio::ssl;

// tcpSocket: a connect that succeeds passes. httpGet: GET, then the status line and headers
// and up to 10 KiB of body are read; with HTTPS the same inside TLS, after a handshake that
// does not verify the certificate. Messages follow the kubelet's (Go's net/http) wording.
class SocketOp final : public AsyncOp, public std::enable_shared_from_this<SocketOp> {
 public:
  SocketOp(boost::asio::io_context& io, runtime::ContainerRuntime& runtime, HandlerSpec spec,
           ssl::context& tls)
      : runtime_(runtime), spec_(std::move(spec)), socket_(io), timer_(io), tlsContext_(tls) {}

  void begin() override {
    if (aborted_) return;
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(spec_.address, ec);
    if (ec) return fail(HandlerOutcome::Error, "not an IP address: \"" + spec_.address + "\"");
    const int family = address.is_v6() ? AF_INET6 : AF_INET;
    int fd = -1;
    if (spec_.podNetwork) {
      auto made = runtime_.openPodSocket(spec_.sandboxUid, family);
      if (!made) return fail(HandlerOutcome::Error, made.error().message);
      fd = *made;
    } else {
      fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) return fail(HandlerOutcome::Error, std::string("socket: ") + strerror(errno));
    }
    socket_.assign(address.is_v6() ? tcp::v6() : tcp::v4(), fd, ec);
    if (ec) {
      ::close(fd);
      return fail(HandlerOutcome::Error, "socket: " + ec.message());
    }
    if (spec_.timeoutMs > 0) armTimeout();
    socket_.async_connect(
        tcp::endpoint(address, static_cast<unsigned short>(spec_.port)),
        [self = shared_from_this()](const boost::system::error_code& e) { self->connected(e); });
  }

  void armTimeout() {
    timer_.expires_after(std::chrono::milliseconds(spec_.timeoutMs));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
      if (e || self->done_) return;
      self->timedOut_ = true;
      self->closeSocket();  // the pending operation ends with operation_aborted
    });
  }

  void abort() override {
    aborted_ = true;
    done_ = true;
    timer_.cancel();
    closeSocket();
  }

 private:
  std::string dial() const {
    std::string hostPort = spec_.address.find(':') != std::string::npos
                               ? "[" + spec_.address + "]:" + std::to_string(spec_.port)
                               : spec_.address + ":" + std::to_string(spec_.port);
    return "dial tcp " + hostPort;
  }
  std::string get() const { return "Get \"" + probeUrl(spec_) + "\": "; }
  bool http() const { return spec_.kind == HandlerKind::HttpGet; }

  void connected(const boost::system::error_code& ec) {
    if (done_) return;
    if (timedOut_)
      return fail(HandlerOutcome::Failure, (http() ? get() : "") + dial() + ": i/o timeout");
    if (ec)
      return fail(HandlerOutcome::Failure,
                  (http() ? get() : "") + dial() + ": connect: " + ec.message());
    if (!http()) return finish({HandlerOutcome::Success, ""});
    if (!spec_.https) return sendRequest();
    tls_.emplace(std::move(socket_), tlsContext_);
    const std::string sni = probeServerName(spec_);
    if (!sni.empty()) SSL_set_tlsext_host_name(tls_->native_handle(), sni.c_str());
    tls_->async_handshake(ssl::stream_base::client,
                          [self = shared_from_this()](const boost::system::error_code& e) {
                            if (self->done_) return;
                            if (e) return self->failRead(e);
                            self->sendRequest();
                          });
  }

  // The plain socket, or the TLS stream over it.
  template <class Operation>
  void withStream(Operation&& op) {
    if (tls_)
      op(*tls_);
    else
      op(socket_);
  }

  tcp::socket& lowest() { return tls_ ? tls_->next_layer() : socket_; }

  void closeSocket() {
    boost::system::error_code ignored;
    lowest().close(ignored);
  }

  void sendRequest() {
    request_ = httpProbeRequest(spec_);
    withStream([&](auto& stream) {
      boost::asio::async_write(
          stream, boost::asio::buffer(request_),
          [self = shared_from_this()](const boost::system::error_code& e, size_t) {
            if (self->done_) return;
            if (e) return self->failRead(e);
            self->readMore();
          });
    });
  }

  void readMore() {
    withStream([&](auto& stream) { readSome(stream); });
  }

  template <class Stream>
  void readSome(Stream& stream) {
    stream.async_read_some(
        boost::asio::buffer(buf_),
        [self = shared_from_this()](const boost::system::error_code& e, size_t n) {
          if (self->done_) return;
          self->data_.append(self->buf_.data(), n);
          auto head = parseHttpResponseHead(self->data_);
          if (head) {
            const size_t want =
                std::min(head->contentLength.value_or(kMaxProbeBodyBytes), kMaxProbeBodyBytes);
            if (e || self->data_.size() >= head->size + want)
              return self->finish(
                  httpProbeResult(*head, std::string_view(self->data_).substr(head->size)));
          } else if (self->data_.size() > kMaxProbeHeadBytes) {
            return self->fail(HandlerOutcome::Failure, self->get() + "response headers too long");
          }
          if (e) return self->failRead(e);
          self->readMore();
        });
  }

  void failRead(const boost::system::error_code& e) {
    if (timedOut_)
      return fail(
          HandlerOutcome::Failure,
          get() + "context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
    const bool eof = e == boost::asio::error::eof || e == ssl::error::stream_truncated;
    fail(HandlerOutcome::Failure, get() + (eof ? "EOF" : e.message()));
  }

  void fail(HandlerOutcome outcome, std::string message) { finish({outcome, std::move(message)}); }

  void finish(HandlerResult r) {
    if (done_) return;
    done_ = true;
    timer_.cancel();
    closeSocket();
    complete(std::move(r));
  }

  runtime::ContainerRuntime& runtime_;
  HandlerSpec spec_;
  tcp::socket socket_;  // moved into tls_ for HTTPS
  boost::asio::steady_timer timer_;
  ssl::context& tlsContext_;
  std::optional<ssl::stream<tcp::socket>> tls_;
  std::string request_, data_;
  std::array<char, 4096> buf_{};
  bool aborted_ = false, timedOut_ = false, done_ = false;
};

}  // namespace

std::shared_ptr<AsyncOp> makeSocketOp(boost::asio::io_context& io,
                                      runtime::ContainerRuntime& runtime, const HandlerSpec& spec,
                                      ssl::context& tls) {
  return std::make_shared<SocketOp>(io, runtime, spec, tls);
}

}  // namespace podkeeper::probe::detail
