#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/api/container_logs.h"
#include "agent/http/http_message.h"
#include "runtime/logs/log_follower.h"

// The body of GET /containerLogs/...?follow=true: new lines of the container's CRI log as
// they are written (across rotation, and restarts: the next instance's file), until the pod
// goes away or the client leaves. The file is polled on an asio timer on the loop, at most
// kMaxBytesPerPoll a tick, so neither the loop nor memory is held by a fast writer.
namespace podkeeper::api {

struct FollowedContainer {
  std::string path;  // the current instance's CRI file
  int restartCount = 0;
};

// Where the followed container is now; nullopt once its pod is gone.
using FollowLookup = std::function<std::optional<FollowedContainer>()>;

class LogStream : public http::BodyStream, public std::enable_shared_from_this<LogStream> {
 public:
  static constexpr size_t kMaxBytesPerPoll = 256 * 1024;
  static constexpr auto kPollInterval = std::chrono::milliseconds(250);

  // follower has read what was already sent; `slot` is released when the stream ends.
  LogStream(boost::asio::any_io_executor executor, runtime::LogFollower follower,
            FollowedContainer at, FollowLookup lookup, ContainerLogQuery query,
            std::shared_ptr<void> slot);

  void next(std::function<void(std::optional<std::string>)> deliver) override;
  void cancel() override;

 private:
  void poll();
  std::string render(const std::vector<runtime::TimedLine>& lines);

  boost::asio::steady_timer timer_;
  runtime::LogFollower follower_;
  FollowedContainer at_;
  FollowLookup lookup_;
  ContainerLogQuery query_;
  std::shared_ptr<void> slot_;
  std::function<void(std::optional<std::string>)> deliver_;
  bool cancelled_ = false;
};

}  // namespace podkeeper::api
