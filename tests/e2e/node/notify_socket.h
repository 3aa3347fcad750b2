#pragma once

#include <string>
#include <vector>

// The receiving end of systemd's notify protocol, as PID 1 has it: a datagram unix socket
// the test binds and names in $NOTIFY_SOCKET for the agent it starts.
namespace podkeeper::e2e {

class NotifySocket {
 public:
  NotifySocket();
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& path() const { return path_; }
  // Every datagram received since the last call, in order ("READY=1", "STATUS=...").
  std::vector<std::string> drain();

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace podkeeper::e2e
