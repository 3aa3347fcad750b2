#pragma once

#include <gmock/gmock.h>

#include "runtime/cgroup/cgroup_manager.h"

namespace podkeeper::support {

// The one gMock double of the cgroup driver, for the runtime's and the metrics' unit tests.
class MockCgroupManager : public runtime::cgroup::CgroupManager {
 public:
  using CgroupPath = runtime::cgroup::CgroupPath;
  MOCK_METHOD(runtime::cgroup::Mode, mode, (), (const, override));
  MOCK_METHOD(Result<void>, create, (const CgroupPath&), (override));
  MOCK_METHOD(Result<void>, apply, (const CgroupPath&, const runtime::cgroup::Resources&),
              (override));
  MOCK_METHOD(Result<void>, addProcess, (const CgroupPath&, pid_t), (override));
  MOCK_METHOD(Result<std::optional<int>>, openForCloneInto, (const CgroupPath&), (override));
  MOCK_METHOD(Result<std::vector<UniqueFd>>, openSelfJoin, (const CgroupPath&), (override));
  MOCK_METHOD(Result<std::vector<pid_t>>, pids, (const CgroupPath&), (const, override));
  MOCK_METHOD(Result<runtime::cgroup::Stats>, stats, (const CgroupPath&), (const, override));
  MOCK_METHOD(Result<void>, killAll, (const CgroupPath&), (override));
  MOCK_METHOD(Result<void>, remove, (const CgroupPath&), (override));
  MOCK_METHOD(bool, exists, (const CgroupPath&), (const, override));
};

}  // namespace podkeeper::support
