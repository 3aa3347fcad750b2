#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/unique_fd.h"

namespace podkeeper::metrics::testing {

// A forked child that waits until released (after the test placed it in a cgroup), then
// either spins on the CPU or touches `allocBytes` of memory and sleeps, until killed.
// The destructor SIGKILLs and reaps it.
class WorkloadChild {
 public:
  enum class Kind { BurnCpu, HoldMemory };
  WorkloadChild(Kind kind, size_t allocBytes = 0);
  ~WorkloadChild();
  WorkloadChild(const WorkloadChild&) = delete;
  WorkloadChild& operator=(const WorkloadChild&) = delete;

  pid_t pid() const { return pid_; }
  // Lets the child start; for HoldMemory, returns once the memory is touched.
  void release();
  void kill();

 private:
  pid_t pid_ = -1;
  UniqueFd go_;
  UniqueFd ready_;
};

// The value of the first sample whose line starts with `seriesPrefix` (name plus labels up
// to where the caller stops), e.g. `container_cpu_usage_seconds_total{container="app"`.
std::optional<double> sampleValue(std::string_view exposition, std::string_view seriesPrefix);

// A TCP port on 127.0.0.1 that was free a moment ago (for programs that need a number).
uint16_t freeLoopbackPort();

}  // namespace podkeeper::metrics::testing
