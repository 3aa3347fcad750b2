#include "agent/http/http_server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "agent/http/http_session.h"
#include "agent/http/listen_address.h"
#include "common/unique_fd.h"

namespace podkeeper::http {

namespace asio = boost::asio;

HttpRequest toHttpRequest(const bhttp::request<bhttp::string_body>& req) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  r.body = req.body();
  return r;
}

namespace {

// Accepts connections forever (until closed), handing each to a Session (TLS when a context
// is given).
template <class Protocol>
class Listener : public std::enable_shared_from_this<Listener<Protocol>> {
 public:
  Listener(asio::io_context& io, std::shared_ptr<ServerState> state,
           std::shared_ptr<asio::ssl::context> tls = nullptr)
      : acceptor_(io), retry_(io), state_(std::move(state)), tls_(std::move(tls)) {}

  typename Protocol::acceptor& acceptor() { return acceptor_; }

  void accept() {
    acceptor_.async_accept(
        [self = this->shared_from_this()](beast::error_code ec, typename Protocol::socket socket) {
          self->onAccept(ec, std::move(socket));
        });
  }

  void close() {
    beast::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
  }

 private:
  void onAccept(beast::error_code ec, typename Protocol::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of fds or similar: back off briefly instead of spinning on the loop.
      spdlog::warn("http: accept failed: {}", ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = this->shared_from_this()](beast::error_code e) {
        if (!e) self->accept();
      });
      return;
    }
    if (state_->active >= state_->limits.maxConnections && !makeRoom()) {
      refuse(socket);
    } else {
      state_->atLimitLogged = false;
      start(std::move(socket));
    }
    accept();
  }

  // Closes the session that has waited longest for a request; false when none waits.
  bool makeRoom() {
    if (state_->waiting.empty()) return false;
    auto oldest = state_->waiting.begin();
    auto close = std::move(oldest->second);
    state_->waiting.erase(oldest);
    close();
    return true;
  }

  void refuse(typename Protocol::socket& socket) {
    ++state_->refused;
    if (!state_->atLimitLogged) {
      spdlog::warn("http: {} connections open and all busy, refusing new ones until some close",
                   state_->active);
      state_->atLimitLogged = true;
    }
    beast::error_code ignored;
    if (!tls_) {
      // A fresh socket's send buffer is empty: this small write does not block.
      static constexpr std::string_view kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 5\r\n"
          "Retry-After: 1\r\n\r\nbusy\n";
      socket.non_blocking(true, ignored);
      socket.write_some(asio::buffer(kBusy), ignored);
      socket.shutdown(asio::socket_base::shutdown_send, ignored);
    }
    socket.close(ignored);
  }

  void start(typename Protocol::socket socket) {
    if constexpr (std::is_same_v<Protocol, asio::ip::tcp>) {
      if (tls_) {
        std::make_shared<Session<TlsStream>>(state_, beast::tcp_stream(std::move(socket)), *tls_)
            ->start();
        return;
      }
    }
    std::make_shared<Session<PlainStream<Protocol>>>(state_, std::move(socket))->start();
  }

  typename Protocol::acceptor acceptor_;
  asio::steady_timer retry_;
  std::shared_ptr<ServerState> state_;
  std::shared_ptr<asio::ssl::context> tls_;  // kept alive by the listener; sessions use it
};

template <class Protocol, class Endpoint>
Result<void> openAcceptor(typename Protocol::acceptor& a, const Endpoint& ep, bool reuse,
                          const std::string& what) {
  beast::error_code ec;
  a.open(ep.protocol(), ec);
  if (!ec && reuse) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return failSys(ec.value(), "listen on " + what);
  return {};
}

// Whether a process accepts connections on the unix socket at path.
bool unixSocketAnswers(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  if (!fd.valid() || path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

}  // namespace

struct HttpServer::Listeners {
  std::vector<std::shared_ptr<Listener<asio::ip::tcp>>> tcp;
  std::vector<std::shared_ptr<Listener<asio::local::stream_protocol>>> unix;
  std::vector<std::string> unixPaths;
};

HttpServer::HttpServer(asio::io_context& io, Handler handler, HttpServerLimits limits)
    : io_(io), state_(std::make_shared<ServerState>()), listeners_(std::make_unique<Listeners>()) {
  state_->handler = std::move(handler);
  state_->limits = limits;
}

HttpServer::~HttpServer() { stop(); }

Result<void> HttpServer::listenTcp(const std::string& hostPort) {
  return listenTls(hostPort, nullptr);
}

Result<void> HttpServer::listenTls(const std::string& hostPort,
                                   std::shared_ptr<asio::ssl::context> tls) {
  auto address = parseListenAddress(hostPort);
  if (!address) return fail(address.error());
  const bool secure = tls != nullptr;
  auto listener = std::make_shared<Listener<asio::ip::tcp>>(io_, state_, std::move(tls));
  asio::ip::tcp::endpoint ep(address->address, address->port);
  if (auto r = openAcceptor<asio::ip::tcp>(listener->acceptor(), ep, true, hostPort); !r) {
    return r;
  }
  listener->accept();
  listeners_->tcp.push_back(listener);
  spdlog::info("http: listening on {} (port {}{})", hostPort,
               listener->acceptor().local_endpoint().port(), secure ? ", TLS" : "");
  return {};
}

Result<void> HttpServer::listenUnix(const std::string& path, mode_t mode) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return failMsg("listen on " + path + ": exists and is no socket");
    if (unixSocketAnswers(path)) {
      return failMsg("listen on " + path + ": another process is serving this socket");
    }
    ::unlink(path.c_str());  // stale socket of an earlier run
  }
  // Bound in a private directory, given its mode there, then renamed into place, so the
  // socket is never reachable with the mode the umask gave it (umask is per process, and the
  // agent has threads; chmod after bind leaves a window).
  const auto slash = path.rfind('/');
  std::string privateDir =
      (slash == std::string::npos ? "." : path.substr(0, slash)) + "/.podkeeper-sock-XXXXXX";
  if (::mkdtemp(privateDir.data()) == nullptr) return failSys(errno, "mkdtemp " + privateDir);
  const std::string bound = privateDir + "/s";
  struct Cleanup {
    const std::string& dir;
    const std::string& file;
    ~Cleanup() {
      ::unlink(file.c_str());
      ::rmdir(dir.c_str());
    }
  } cleanup{privateDir, bound};
  auto listener = std::make_shared<Listener<asio::local::stream_protocol>>(io_, state_);
  asio::local::stream_protocol::endpoint ep(bound);
  if (auto r = openAcceptor<asio::local::stream_protocol>(listener->acceptor(), ep, false, path);
      !r) {
    return r;
  }
  if (::chmod(bound.c_str(), mode) != 0) return failSys(errno, "chmod " + bound);
  if (::rename(bound.c_str(), path.c_str()) != 0) {
    return failSys(errno, "rename " + bound + " to " + path);
  }
  listeners_->unixPaths.push_back(path);
  listener->accept();
  listeners_->unix.push_back(listener);
  spdlog::info("http: listening on unix socket {}", path);
  return {};
}

uint16_t HttpServer::tcpPort() const {
  if (listeners_->tcp.empty()) return 0;
  beast::error_code ec;
  auto ep = listeners_->tcp.front()->acceptor().local_endpoint(ec);
  return ec ? 0 : ep.port();
}

size_t HttpServer::activeConnections() const { return state_->active; }

uint64_t HttpServer::refusedConnections() const { return state_->refused; }

void HttpServer::stop() {
  for (auto& l : listeners_->tcp) l->close();
  for (auto& l : listeners_->unix) l->close();
  for (const auto& p : listeners_->unixPaths) ::unlink(p.c_str());
  listeners_->tcp.clear();
  listeners_->unix.clear();
  listeners_->unixPaths.clear();
  // Closing runs the sessions' handlers, which erase themselves from the map.
  auto closers = state_->closers;
  for (auto& [id, close] : closers) close();
}

}  // namespace podkeeper::http
