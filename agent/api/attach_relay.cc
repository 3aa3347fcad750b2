#include "agent/api/attach_relay.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <boost/asio/buffer.hpp>
#include <cstring>

#include "common/unique_fd.h"

namespace podkeeper::api {

Result<std::shared_ptr<AttachRelay>> AttachRelay::connect(boost::asio::any_io_executor executor,
                                                          const std::string& socketPath,
                                                          std::string who) {
  // The state directory's paths can outgrow sun_path: connect through the directory's fd.
  const auto slash = socketPath.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : socketPath.substr(0, slash);
  const UniqueFd dirFd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dirFd.valid()) return failSys(errno, "open " + dir);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string via = "/proc/self/fd/" + std::to_string(dirFd.get()) + "/" +
                          socketPath.substr(slash == std::string::npos ? 0 : slash + 1);
  if (via.size() >= sizeof addr.sun_path) return failMsg("attach socket name too long");
  std::memcpy(addr.sun_path, via.c_str(), via.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return failSys(errno, "socket");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return failSys(errno, "connect to the shim's attach socket " + socketPath);
  }
  Socket socket(executor);
  boost::system::error_code ec;
  socket.assign(boost::asio::generic::seq_packet_protocol(AF_UNIX, 0), fd.release(), ec);
  if (ec) return failMsg("attach socket: " + ec.message());
  return std::shared_ptr<AttachRelay>(new AttachRelay(std::move(socket), std::move(who)));
}

void AttachRelay::start(std::shared_ptr<http::UpgradedConnection> connection) {
  client_ = std::move(connection);
  spdlog::info("attach: {} attached", who_);
  readShim();
  readClient();
}

void AttachRelay::cancel() { finish(""); }

void AttachRelay::readClient() {
  if (done_) return;
  client_->read([self = shared_from_this()](std::optional<std::string> bytes) {
    if (!bytes) return self->finish("the client detached");
    self->inbound_ += *bytes;
    self->sendFrames();
  });
}

void AttachRelay::sendFrames() {
  if (done_) return;
  runtime::AttachFrame frame{};
  switch (runtime::parseAttachFrame(inbound_, frame)) {
    case runtime::AttachParse::Incomplete:
      return readClient();
    case runtime::AttachParse::Invalid:
      return finish("the client sent a malformed frame");
    case runtime::AttachParse::Frame:
      break;
  }
  auto packet = std::make_shared<std::string>(inbound_.substr(0, frame.size));
  inbound_.erase(0, frame.size);
  shim_.async_send(boost::asio::buffer(*packet), 0,
                   [self = shared_from_this(), packet](boost::system::error_code ec, size_t) {
                     if (ec) return self->finish("the shim is gone: " + ec.message());
                     self->sendFrames();
                   });
}

void AttachRelay::readShim() {
  if (done_) return;
  shim_.async_receive(boost::asio::buffer(packet_), receiveFlags_,
                      [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                        if (ec || n == 0) return self->finish("the container's shim closed");
                        self->client_->write(std::string(self->packet_.data(), n), [self](bool ok) {
                          if (!ok) return self->finish("the client left");
                          self->readShim();
                        });
                      });
}

void AttachRelay::finish(const std::string& why) {
  if (done_) return;
  done_ = true;
  boost::system::error_code ignored;
  shim_.close(ignored);
  if (client_) {
    spdlog::info("attach: {} detached ({})", who_, why);
    client_->close();
  }
}

}  // namespace podkeeper::api
