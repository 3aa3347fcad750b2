#include "agent/api/log_stream.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace podkeeper::api {

LogStream::LogStream(boost::asio::any_io_executor executor, runtime::LogFollower follower,
                     FollowedContainer at, FollowLookup lookup, ContainerLogQuery query,
                     std::shared_ptr<void> slot)
    : timer_(std::move(executor)),
      follower_(std::move(follower)),
      at_(std::move(at)),
      lookup_(std::move(lookup)),
      query_(std::move(query)),
      slot_(std::move(slot)) {}

void LogStream::next(std::function<void(std::optional<std::string>)> deliver) {
  deliver_ = std::move(deliver);
  poll();
}

void LogStream::cancel() {
  cancelled_ = true;
  deliver_ = nullptr;
  slot_.reset();
  timer_.cancel();
}

std::string LogStream::render(const std::vector<runtime::TimedLine>& lines) {
  ContainerLogQuery q;
  q.timestamps = query_.timestamps;
  q.limitBytes = query_.limitBytes;
  auto text = renderContainerLog(lines, q, 0);
  if (query_.limitBytes) *query_.limitBytes -= static_cast<long>(text.size());
  return text;
}

// Sends what is new; else ends when the pod is gone or the byte limit is reached; else moves
// to a restarted container's file; else waits a tick.
void LogStream::poll() {
  if (cancelled_ || !deliver_) return;
  auto finish = [this](std::optional<std::string> piece) {
    auto deliver = std::exchange(deliver_, nullptr);
    if (!piece) slot_.reset();
    deliver(std::move(piece));
  };
  if (query_.limitBytes && *query_.limitBytes <= 0) return finish(std::nullopt);
  auto text = render(follower_.pollTimed(kMaxBytesPerPoll));
  if (!text.empty()) return finish(std::move(text));
  auto now = lookup_();
  if (!now) {
    spdlog::info("logs: the pod of {} is gone; its follow stream ends", at_.path);
    return finish(std::nullopt);
  }
  if (now->restartCount != at_.restartCount) {
    at_ = *now;
    text = render(follower_.switchToTimed(at_.path));
    if (!text.empty()) return finish(std::move(text));
  }
  timer_.expires_after(kPollInterval);
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!ec && self) self->poll();
  });
}

}  // namespace podkeeper::api
