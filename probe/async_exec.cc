#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "probe/async_ops.h"
#include "runtime/container_runtime.h"

namespace podkeeper::probe::detail {
namespace {

using boost::asio::posix::stream_descriptor;

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string durationText(int64_t ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

// Reads the command's output while waiting for the joiner's pidfd. The joiner exits once the
// command did (it reaps it); what the command wrote is in the pipe by then, so the rest is
// drained without waiting for EOF, which a background child holding the pipe would delay.
class ExecOp final : public AsyncOp, public std::enable_shared_from_this<ExecOp> {
 public:
  ExecOp(boost::asio::io_context& io, runtime::ContainerRuntime& runtime, HandlerSpec spec)
      : runtime_(runtime), spec_(std::move(spec)), output_(io), pidfd_(io), timer_(io) {}

  ~ExecOp() override {
    if (exec_.joiner > 0) {  // abandoned while running: kill it and reap the joiner
      kill();
      (void)runtime_.finishExec(exec_, "", true);
    }
  }

  void begin() override {
    if (aborted_) return;
    auto started = runtime_.startExec(spec_.sandboxUid, spec_.container, spec_.command);
    if (!started) {
      complete({HandlerOutcome::Error, started.error().message});
      return;
    }
    exec_ = std::move(*started);
    output_.assign(exec_.output.release());
    pidfd_.assign(exec_.joinerPidfd.release());
    if (spec_.timeoutMs > 0) armTimeout();
    pidfd_.async_wait(stream_descriptor::wait_read,
                      [self = shared_from_this()](const boost::system::error_code& ec) {
                        if (ec) return;
                        self->joinerExited_ = true;
                        if (self->outputClosed_)
                          self->maybeFinish();
                        else
                          self->output_.cancel();
                      });
    readMore();
  }

  void armTimeout() {
    timer_.expires_after(std::chrono::milliseconds(spec_.timeoutMs));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->joinerExited_) return;
      self->timedOut_ = true;
      self->kill();
    });
  }

  void abort() override {
    aborted_ = true;
    timer_.cancel();
    if (exec_.joiner > 0) kill();
  }

 private:
  // Once: a second kill would hit the joiner, which must live to reap the command.
  void kill() {
    if (killed_) return;
    killed_ = true;
    runtime_.killExec(exec_);
  }

  void readMore() {
    output_.async_read_some(
        boost::asio::buffer(buf_),
        [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
          self->keep(n);
          if (!ec && !self->joinerExited_) {
            self->readMore();
            return;
          }
          if (!ec || ec == boost::asio::error::operation_aborted) self->drain();
          self->outputClosed_ = true;
          self->output_.close();
          self->maybeFinish();
        });
  }

  void keep(size_t n) {
    const size_t room = kMaxExecOutputBytes - std::min(kMaxExecOutputBytes, text_.size());
    text_.append(buf_.data(), std::min(n, room));
  }

  void drain() {
    const int fd = output_.native_handle();
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ssize_t n;
    while ((n = ::read(fd, buf_.data(), buf_.size())) > 0) keep(static_cast<size_t>(n));
  }

  void maybeFinish() {
    if (finished_ || !outputClosed_ || !joinerExited_) return;
    finished_ = true;
    timer_.cancel();
    pidfd_.close();
    auto r = runtime_.finishExec(exec_, std::move(text_), timedOut_);
    if (aborted_) return;
    if (!r) {
      complete({HandlerOutcome::Error, r.error().message});
    } else if (r->timedOut) {
      complete({HandlerOutcome::Failure, "command \"" + joined(spec_.command) +
                                             "\" timed out after " +
                                             durationText(spec_.timeoutMs)});
    } else {
      complete({r->exitCode == 0 ? HandlerOutcome::Success : HandlerOutcome::Failure,
                std::move(r->output)});
    }
  }

  runtime::ContainerRuntime& runtime_;
  HandlerSpec spec_;
  runtime::StartedExec exec_;
  stream_descriptor output_, pidfd_;
  boost::asio::steady_timer timer_;
  std::array<char, 4096> buf_{};
  std::string text_;
  bool aborted_ = false, killed_ = false, timedOut_ = false, joinerExited_ = false,
       outputClosed_ = false, finished_ = false;
};

}  // namespace

std::shared_ptr<AsyncOp> makeExecOp(boost::asio::io_context& io, runtime::ContainerRuntime& runtime,
                                    const HandlerSpec& spec) {
  return std::make_shared<ExecOp>(io, runtime, spec);
}

}  // namespace podkeeper::probe::detail
