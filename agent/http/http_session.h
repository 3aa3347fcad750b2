#pragma once

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "agent/http/server_state.h"
#include "agent/http/tls_context.h"

namespace podkeeper::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

HttpRequest toHttpRequest(const bhttp::request<bhttp::string_body>& req);

template <class Protocol>
using PlainStream =
    beast::basic_stream<Protocol, boost::asio::any_io_executor, beast::unlimited_rate_policy>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection: (TLS handshake,) read a request (timeout re-armed), answer it, repeat while
// keep-alive. One implementation for the unix socket, plain TCP and TLS: Stream is a
// PlainStream or a TlsStream.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  template <class... StreamArgs>
  Session(std::shared_ptr<ServerState> state, StreamArgs&&... args)
      : stream_(std::forward<StreamArgs>(args)...),
        state_(std::move(state)),
        id_(state_->nextSessionId++) {
    ++state_->active;
  }
  ~Session() {
    --state_->active;
    state_->closers.erase(id_);
    state_->waiting.erase(id_);
  }

  void start() {
    std::weak_ptr<Session> weak = this->shared_from_this();
    state_->closers[id_] = [weak] {
      if (auto s = weak.lock()) s->close();
    };
    using Socket = std::remove_cvref_t<decltype(lowest().socket())>;
    if constexpr (std::is_same_v<typename Socket::protocol_type, boost::asio::ip::tcp>) {
      beast::error_code ec;
      const auto ep = lowest().socket().remote_endpoint(ec);
      if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
    }
    if constexpr (kTls) {
      waitingForRequest(true);
      lowest().expires_after(state_->limits.handshakeTimeout);
      stream_.async_handshake(
          boost::asio::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) { self->onHandshake(ec); });
    } else {
      readRequest();
    }
  }

 private:
  auto& lowest() { return beast::get_lowest_layer(stream_); }

  // Sessions waiting for a request (or a handshake) are the ones closed first when the
  // server is at its connection limit: a slow or idle client gives way to a new one.
  void waitingForRequest(bool waiting) {
    if (!waiting) {
      state_->waiting.erase(id_);
      return;
    }
    std::weak_ptr<Session> weak = this->shared_from_this();
    state_->waiting[id_] = [weak] {
      if (auto s = weak.lock()) s->close();
    };
  }

  void onHandshake(beast::error_code ec) {
    if (ec) {
      spdlog::debug("http: TLS handshake failed: {}", ec.message());
      return close();
    }
    if constexpr (kTls) peer_ = verifiedPeer(stream_.native_handle());
    readRequest();
  }

  void readRequest() {
    waitingForRequest(true);
    parser_.emplace();
    parser_->header_limit(state_->limits.headerLimit);
    parser_->body_limit(state_->limits.bodyLimit);
    lowest().expires_after(state_->limits.idleTimeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    waitingForRequest(false);
    if (ec == bhttp::error::header_limit) return reject(431, "request header too large\n");
    if (ec == bhttp::error::body_limit) return reject(413, "request body too large\n");
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == boost::asio::error::operation_aborted || ec == boost::asio::error::eof ||
        ec == boost::asio::error::connection_reset || closed_) {
      return close();
    }
    if (ec) return reject(400, "bad request\n");
    const auto& req = parser_->get();
    HttpRequest request = toHttpRequest(req);
    request.peer = peer_;
    request.remote = remote_;
    HttpResponse response = state_->handler(request);
    if (response.deferred) {
      auto produce = std::move(response.deferred);
      produce([self = this->shared_from_this(), method = request.method,
               keepAlive = req.keep_alive(), version = req.version()](HttpResponse r) {
        r.deferred = nullptr;  // answered once
        if (!self->closed_) self->respond(std::move(r), method, keepAlive, version);
      });
      return;
    }
    respond(std::move(response), request.method, req.keep_alive(), req.version());
  }

  void respond(HttpResponse response, const std::string& method, bool keepAlive, unsigned version) {
    if (response.stream && method == "GET") return startStream(std::move(response));
    if (response.stream) response.stream->cancel();
    if (response.upgrade && method == "GET") return startUpgrade(std::move(response));
    if (response.upgrade) {
      response.upgrade->cancel();
      return reject(400, "upgrade needs GET\n");
    }
    send(std::move(response), keepAlive, version);
  }

  void reject(int status, const char* body) {
    lingerAfterWrite_ = true;
    send(HttpResponse::text(status, body), false, 11);
  }

  void send(HttpResponse r, bool keepAlive, unsigned version) {
    auto status = static_cast<bhttp::status>(r.status);
    if (r.omitBody) {
      auto msg = std::make_shared<bhttp::response<bhttp::empty_body>>(status, version);
      fill(*msg, r, keepAlive);
      msg->content_length(r.body.size());
      write(std::move(msg));
    } else {
      auto msg = std::make_shared<bhttp::response<bhttp::string_body>>(status, version);
      fill(*msg, r, keepAlive);
      msg->body() = std::move(r.body);
      msg->prepare_payload();
      write(std::move(msg));
    }
  }

  template <class Message>
  static void fill(Message& msg, const HttpResponse& r, bool keepAlive) {
    msg.set(bhttp::field::server, "podkeeper");
    msg.set(bhttp::field::content_type, r.contentType);
    for (const auto& [k, v] : r.headers) msg.insert(k, v);
    msg.keep_alive(keepAlive);
  }

  template <class Message>
  void write(std::shared_ptr<Message> msg) {
    lowest().expires_after(state_->limits.idleTimeout);
    bhttp::async_write(stream_, *msg,
                       [self = this->shared_from_this(), msg](beast::error_code ec, size_t) {
                         self->onWrite(ec, msg->need_eof());
                       });
  }

  void onWrite(beast::error_code ec, bool closeAfter) {
    if (!ec && lingerAfterWrite_) return linger();
    if (ec || closeAfter || closed_) return close();
    readRequest();
  }

  // After refusing a request whose body is still arriving: closing now, with unread bytes
  // queued, makes the kernel send a reset that can destroy the answer before the client
  // reads it. So stop sending, and drain (bounded in time and bytes) until the client closes.
  void linger() {
    beast::error_code ignored;
    lowest().socket().shutdown(boost::asio::socket_base::shutdown_send, ignored);
    lowest().expires_after(kLingerTime);
    drain();
  }

  void drain() {
    lowest().async_read_some(boost::asio::buffer(scratch_),
                             [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                               self->drained_ += n;
                               if (ec || self->drained_ > kLingerBytes) return self->close();
                               self->drain();
                             });
  }

  // A chunked body fed by a BodyStream until it ends or the client leaves (a read that
  // fails). The stream decides when it ends; only each write is timed (streamWriteTimeout),
  // so a client that stops reading is dropped, while one waiting for new lines is not.
  void startStream(HttpResponse r) {
    stream_body_ = std::move(r.stream);
    lowest().expires_after(state_->limits.streamWriteTimeout);
    auto msg = std::make_shared<bhttp::response<bhttp::empty_body>>(
        static_cast<bhttp::status>(r.status), 11);
    fill(*msg, r, false);
    msg->chunked(true);
    auto sr = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*msg);
    bhttp::async_write_header(stream_, *sr,
                              [self = this->shared_from_this(), msg, sr, first = std::move(r.body)](
                                  beast::error_code ec, size_t) mutable {
                                if (ec) return self->endStream();
                                self->lowest().expires_never();
                                self->watchClient();
                                self->writeChunk(std::move(first));
                              });
  }

  void writeChunk(std::string data) {
    if (closed_) return endStream();
    if (data.empty()) return askNext();
    auto piece = std::make_shared<std::string>(std::move(data));
    lowest().expires_after(state_->limits.streamWriteTimeout);
    boost::asio::async_write(
        stream_, bhttp::make_chunk(boost::asio::buffer(*piece)),
        [self = this->shared_from_this(), piece](beast::error_code ec, size_t) {
          if (ec) return self->endStream();
          self->lowest().expires_never();
          self->askNext();
        });
  }

  void askNext() {
    if (closed_ || !stream_body_) return endStream();
    std::weak_ptr<Session> weak = this->shared_from_this();
    stream_body_->next([weak](std::optional<std::string> data) {
      auto self = weak.lock();
      if (!self || self->closed_) return;
      if (data) return self->writeChunk(std::move(*data));
      self->lowest().expires_after(self->state_->limits.streamWriteTimeout);
      boost::asio::async_write(self->stream_, bhttp::make_chunk_last(),
                               [self](beast::error_code, size_t) { self->endStream(); });
    });
  }

  // The client sends nothing while it reads a stream: a read that ends means it left.
  void watchClient() {
    stream_.async_read_some(boost::asio::buffer(scratch_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->endStream();
                              self->watchClient();
                            });
  }

  void endStream() {
    if (auto s = std::exchange(stream_body_, nullptr)) s->cancel();
    close();
  }

  // 101 Switching Protocols, then the raw connection belongs to the upgrade (attach).
  void startUpgrade(HttpResponse r) {
    lowest().expires_never();
    auto msg = std::make_shared<bhttp::response<bhttp::empty_body>>(
        bhttp::status::switching_protocols, 11);
    msg->set(bhttp::field::server, "podkeeper");
    msg->set(bhttp::field::connection, "Upgrade");
    for (const auto& [k, v] : r.headers) msg->insert(k, v);
    bhttp::async_write(
        stream_, *msg,
        [self = this->shared_from_this(), msg, up = r.upgrade](beast::error_code ec, size_t) {
          if (ec || self->closed_) {
            up->cancel();
            return self->close();
          }
          up->start(std::make_shared<Upgraded>(self));
        });
  }

  class Upgraded final : public UpgradedConnection {
   public:
    explicit Upgraded(std::shared_ptr<Session> s) : s_(std::move(s)) {}
    ~Upgraded() override { s_->close(); }
    void write(std::string bytes, std::function<void(bool)> done) override {
      auto piece = std::make_shared<std::string>(std::move(bytes));
      boost::asio::async_write(
          s_->stream_, boost::asio::buffer(*piece),
          [piece, done = std::move(done)](beast::error_code ec, size_t) { done(!ec); });
    }
    void read(std::function<void(std::optional<std::string>)> done) override {
      if (s_->buffer_.size() > 0) {  // sent right behind the request
        std::string early = beast::buffers_to_string(s_->buffer_.data());
        s_->buffer_.consume(s_->buffer_.size());
        return done(std::move(early));
      }
      s_->stream_.async_read_some(boost::asio::buffer(s_->scratch_),
                                  [s = s_, done = std::move(done)](beast::error_code ec, size_t n) {
                                    if (ec || s->closed_) return done(std::nullopt);
                                    done(std::string(s->scratch_.data(), n));
                                  });
    }
    void close() override { s_->close(); }

   private:
    std::shared_ptr<Session> s_;
  };

  static constexpr auto kLingerTime = std::chrono::seconds(2);
  static constexpr size_t kLingerBytes = 4 << 20;

  // Closes the socket under the TLS layer too (no close_notify: the client may be gone, and
  // waiting for it would hold the session).
  void close() {
    if (auto s = std::exchange(stream_body_, nullptr)) s->cancel();
    closed_ = true;
    state_->waiting.erase(id_);
    beast::error_code ignored;
    lowest().socket().shutdown(boost::asio::socket_base::shutdown_both, ignored);
    lowest().close();
  }

  Stream stream_;
  std::shared_ptr<ServerState> state_;
  uint64_t id_;
  std::optional<TlsPeer> peer_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool lingerAfterWrite_ = false;
  bool closed_ = false;
  size_t drained_ = 0;
  std::array<char, 16384> scratch_{};
  std::shared_ptr<BodyStream> stream_body_;
};

}  // namespace podkeeper::http
