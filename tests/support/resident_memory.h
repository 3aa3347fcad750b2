#pragma once

#include <atomic>
#include <thread>

// The memory this test process holds, for tests that bound what a server in it may use.
namespace podkeeper::support {

// VmRSS of this process, in KiB (-1 when /proc cannot be read).
long residentKiB();

// Samples residentKiB() every 20 ms from construction until destruction; peak() is the highest
// value seen so far.
class PeakResident {
 public:
  PeakResident();
  ~PeakResident();
  PeakResident(const PeakResident&) = delete;
  PeakResident& operator=(const PeakResident&) = delete;
  long peak() const { return peak_; }

 private:
  std::atomic<bool> stop_ = false;
  std::atomic<long> peak_ = 0;
  std::thread thread_;
};

}  // namespace podkeeper::support
