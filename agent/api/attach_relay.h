#pragma once

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/generic/seq_packet_protocol.hpp>
#include <memory>
#include <string>

#include "agent/http/http_message.h"
#include "common/error.h"
#include "runtime/bundle/attach_protocol.h"

namespace podkeeper::api {

// `podkeeper attach` through the agent: the client's upgraded connection (attach frames back
// to back) on one side, the shim's attach socket (one frame per packet) on the other. The
// shim owns the container's stdin and pty, so the agent only relays, on the loop, and a
// restarted agent attaches again.
class AttachRelay final : public http::Upgrade, public std::enable_shared_from_this<AttachRelay> {
 public:
  // Connects to the shim's socket now (a unix socket: no wait), so a gone shim is an error
  // answer rather than a 101 that closes at once. `who` names pod and container in the log.
  static Result<std::shared_ptr<AttachRelay>> connect(boost::asio::any_io_executor executor,
                                                      const std::string& socketPath,
                                                      std::string who);

  void start(std::shared_ptr<http::UpgradedConnection> connection) override;
  void cancel() override;

 private:
  using Socket = boost::asio::generic::seq_packet_protocol::socket;
  AttachRelay(Socket shim, std::string who) : shim_(std::move(shim)), who_(std::move(who)) {}

  void readClient();
  void sendFrames();  // the complete frames in inbound_, one packet each, then readClient
  void readShim();
  void finish(const std::string& why);

  Socket shim_;
  std::string who_;
  std::shared_ptr<http::UpgradedConnection> client_;
  std::string inbound_;  // bytes from the client not yet sent on
  std::array<char, runtime::kAttachMaxFrame> packet_{};
  boost::asio::socket_base::message_flags receiveFlags_ = 0;  // out: MSG_EOR and the like
  bool done_ = false;
};

}  // namespace podkeeper::api
