#include "runtime/cgroup/process_signaller.h"

#include <signal.h>

#include <cerrno>
#include <thread>

namespace podkeeper::runtime::cgroup {
namespace {

class SystemSignaller final : public ProcessSignaller {
 public:
  int kill(pid_t pid, int sig) override { return ::kill(pid, sig) == 0 ? 0 : errno; }
  void pause(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
};

}  // namespace

std::shared_ptr<ProcessSignaller> systemSignaller() { return std::make_shared<SystemSignaller>(); }

}  // namespace podkeeper::runtime::cgroup
