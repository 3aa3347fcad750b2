#include "agent/api/log_stream.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace podkeeper::api {

LogStream::LogStream(boost::asio::any_io_executor executor, BackgroundWork& reads,
                     FollowedContainer at, LogSelection selection, FollowLookup lookup,
                     std::shared_ptr<void> slot)
    : timer_(std::move(executor)),
      reads_(reads),
      at_(std::move(at)),
      history_(std::make_shared<History>(
          History{std::nullopt, std::move(selection), static_cast<bool>(lookup)})),
      lookup_(std::move(lookup)),
      slot_(std::move(slot)) {}

void LogStream::next(std::function<void(std::optional<std::string>)> deliver) {
  deliver_ = std::move(deliver);
  if (follower_) return poll();
  // One job at a time owns the history; the stream may be gone when it is done.
  reads_.run([h = history_, path = at_.path] { return readChunk(*h, path); },
             [weak = weak_from_this()](std::string text) {
               if (auto self = weak.lock()) self->onChunk(std::move(text));
             });
}

void LogStream::cancel() {
  cancelled_ = true;
  deliver_ = nullptr;
  slot_.reset();
  timer_.cancel();
}

// On a worker: the next non-empty piece of the selected text, reading a chunk at a time (the
// lines a since or a tail leaves out are read and dropped); "" once the files are read.
std::string LogStream::readChunk(History& h, const std::string& path) {
  if (!h.files) {
    h.files.emplace(path);
    if (h.selection.needsCount()) {
      while (!h.files->done()) h.selection.count(h.files->next(kChunkBytes));
      if (auto open = h.files->finish(); open && !h.follow) h.selection.count({*open});
      h.files->rewind();
    }
  }
  while (!h.files->done() && !h.selection.full()) {
    auto text = h.selection.render(h.files->next(kChunkBytes));
    if (!text.empty()) return text;
  }
  return "";
}

// On the loop, with a piece of the history, or "" when it is all sent: then the body ends,
// or the follower takes over where the files ended.
void LogStream::onChunk(std::string text) {
  if (cancelled_ || !deliver_) return;
  if (!text.empty()) return finish(std::move(text));
  if (!lookup_ || history_->selection.full()) {
    if (history_->files && !history_->selection.full())
      if (auto open = history_->files->finish()) text = history_->selection.render({*open});
    return finish(text.empty() ? std::nullopt : std::optional(std::move(text)));
  }
  follower_.emplace(std::move(*history_->files).follower());
  history_->files.reset();
  poll();
}

void LogStream::finish(std::optional<std::string> piece) {
  auto deliver = std::exchange(deliver_, nullptr);
  if (!piece) slot_.reset();
  deliver(std::move(piece));
}

// Sends what is new; else ends when the pod is gone or the byte limit is reached; else moves
// to a restarted container's file; else waits a tick.
void LogStream::poll() {
  if (cancelled_ || !deliver_) return;
  auto& selection = history_->selection;
  if (selection.full()) return finish(std::nullopt);
  auto text = selection.render(follower_->pollTimed(kMaxBytesPerPoll));
  if (!text.empty()) return finish(std::move(text));
  auto now = lookup_();
  if (!now) {
    spdlog::info("logs: the pod of {} is gone; its follow stream ends", at_.path);
    return finish(std::nullopt);
  }
  if (now->restartCount != at_.restartCount) {
    at_ = *now;
    text = selection.render(follower_->switchToTimed(at_.path));
    if (!text.empty()) return finish(std::move(text));
  }
  timer_.expires_after(kPollInterval);
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!ec && self) self->poll();
  });
}

}  // namespace podkeeper::api
