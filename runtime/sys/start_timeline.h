#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

// The stages of one container start and how long each took, for the agent's debug log and
// scripts/bench-start.sh. Stage names are string literals; recording allocates nothing.
namespace podkeeper::runtime {

class StartTimeline {
 public:
  static constexpr size_t kMaxStages = 24;

  StartTimeline();  // the clock starts now

  // Ends the stage that ran since the last mark (or the start). Past kMaxStages the time goes
  // to the last stage recorded.
  void mark(const char* stage);
  int64_t elapsedNs() const;

  // "name=1.234 other=0.051" in milliseconds, in the order marked, with prefix before each
  // name ("shim." for the shim's own stages).
  std::string format(std::string_view prefix = "") const;

 private:
  struct Stage {
    const char* name;
    int64_t ns;
  };
  int64_t start_;
  int64_t last_;
  std::array<Stage, kMaxStages> stages_{};
  size_t count_ = 0;
};

int64_t monotonicNowNs();

}  // namespace podkeeper::runtime
