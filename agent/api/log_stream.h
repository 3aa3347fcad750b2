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
#include "common/background_work.h"
#include "runtime/logs/log_follower.h"
#include "runtime/logs/log_snapshot.h"

// The body of GET /containerLogs/...: first what the container's CRI files hold (rotated ones
// included), read on BackgroundWork in chunks of kChunkBytes, one chunk in memory at a time,
// never on the loop; then, with follow=true, new lines as they are written (across rotation,
// and restarts: the next instance's file) until the pod goes away or the client leaves. New
// lines are polled on an asio timer on the loop, at most kMaxBytesPerPoll a tick, so neither
// the loop nor memory is held by a fast writer.
namespace podkeeper::api {

struct FollowedContainer {
  std::string path;  // the current instance's CRI file
  int restartCount = 0;
};

// Where the followed container is now; nullopt once its pod is gone.
using FollowLookup = std::function<std::optional<FollowedContainer>()>;

class LogStream : public http::BodyStream, public std::enable_shared_from_this<LogStream> {
 public:
  static constexpr size_t kChunkBytes = 256 * 1024;
  static constexpr size_t kMaxBytesPerPoll = 256 * 1024;
  static constexpr auto kPollInterval = std::chrono::milliseconds(250);

  // Without lookup the body ends with the files as they are now; with it, it follows `at`.
  // `slot` is released when the stream ends.
  LogStream(boost::asio::any_io_executor executor, BackgroundWork& reads, FollowedContainer at,
            LogSelection selection, FollowLookup lookup, std::shared_ptr<void> slot);

  void next(std::function<void(std::optional<std::string>)> deliver) override;
  void cancel() override;

 private:
  // What a BackgroundWork job owns while it reads (handed back and forth, never shared).
  struct History {
    std::optional<runtime::LogFileSnapshot> files;  // opened by the first job
    LogSelection selection;
    bool follow = false;  // the line left open at the end is the follower's, not ours
  };
  static std::string readChunk(History& h, const std::string& path);
  void onChunk(std::string text);
  void finish(std::optional<std::string> piece);
  void poll();

  boost::asio::steady_timer timer_;
  BackgroundWork& reads_;
  FollowedContainer at_;
  std::shared_ptr<History> history_;
  std::optional<runtime::LogFollower> follower_;  // once the history is sent
  FollowLookup lookup_;
  std::shared_ptr<void> slot_;
  std::function<void(std::optional<std::string>)> deliver_;
  bool cancelled_ = false;
};

}  // namespace podkeeper::api
