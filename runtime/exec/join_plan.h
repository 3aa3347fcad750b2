#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "runtime/init/process_identity.h"

// What `podkeeper-shim --join` is told on its plan descriptor: the command to run in the
// container it joins, and as whom. Binary and length-prefixed (names, values and env bytes
// travel as they are); pure, so both ends are tested on strings.
namespace podkeeper::runtime {

// The descriptors of `podkeeper-shim --join`, set up by the process that starts it.
inline constexpr int kJoinPlanFd = 3;        // the plan, then EOF (nothing: give up)
inline constexpr int kJoinCommandPidFd = 4;  // the joiner writes the command's (host) pid
inline constexpr int kJoinTargetFd = 5;      // a pidfd of the container's init
inline constexpr int kJoinErrorFd = 6;       // an ExecFailure when joining or exec failed; EOF else

struct JoinPlan {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string workingDir = "/";
  ProcessIdentity identity;
};

std::string encodeJoinPlan(const JoinPlan& plan);
// An error names the field where the text ends or stops making sense.
Result<JoinPlan> decodeJoinPlan(std::string_view text);

}  // namespace podkeeper::runtime
