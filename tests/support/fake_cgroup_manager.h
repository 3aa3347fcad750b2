#pragma once

#include <gmock/gmock.h>

#include "runtime/cgroup/cgroup_manager.h"

namespace podkeeper::runtime::testing {

class MockCgroupManager : public cgroup::CgroupManager {
 public:
  MOCK_METHOD(cgroup::Mode, mode, (), (const, override));
  MOCK_METHOD(Result<void>, create, (const cgroup::CgroupPath&), (override));
  MOCK_METHOD(Result<void>, apply, (const cgroup::CgroupPath&, const cgroup::Resources&),
              (override));
  MOCK_METHOD(Result<void>, addProcess, (const cgroup::CgroupPath&, pid_t), (override));
  MOCK_METHOD(Result<std::optional<int>>, openForCloneInto, (const cgroup::CgroupPath&),
              (override));
  MOCK_METHOD(Result<std::vector<pid_t>>, pids, (const cgroup::CgroupPath&), (const, override));
  MOCK_METHOD(Result<cgroup::Stats>, stats, (const cgroup::CgroupPath&), (const, override));
  MOCK_METHOD(Result<void>, killAll, (const cgroup::CgroupPath&), (override));
  MOCK_METHOD(Result<void>, remove, (const cgroup::CgroupPath&), (override));
  MOCK_METHOD(bool, exists, (const cgroup::CgroupPath&), (const, override));
};

}  // namespace podkeeper::runtime::testing
