#include "tests/support/resident_memory.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

namespace podkeeper::support {

long residentKiB() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return -1;
}

PeakResident::PeakResident()
    : peak_(residentKiB()), thread_([this] {
        while (!stop_) {
          peak_ = std::max(peak_.load(), residentKiB());
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }) {}

PeakResident::~PeakResident() {
  stop_ = true;
  thread_.join();
}

}  // namespace podkeeper::support
