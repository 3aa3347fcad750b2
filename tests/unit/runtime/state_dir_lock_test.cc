// The state directory's lock: one agent per directory, and a refusal that names who holds it,
// also when that is not the pid the lock file names (a child that inherited the descriptor).
#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "runtime/bundle/state_dir.h"
#include "tests/support/sleeper.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::runtime {
namespace {

TEST(StateDirLock, ASecondLockIsRefusedNamingTheHolder) {
  support::TempDir dir;
  const std::string file = dir.path() + "/podkeeper.lock";
  auto first = StateDirLock::acquire(file);
  ASSERT_TRUE(first) << first.error().message;
  auto second = StateDirLock::acquire(file);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("state directory " + dir.path() +
                                        " is in use by another podkeeper (pid " +
                                        std::to_string(::getpid()) + ", holding " + file),
            std::string::npos)
      << second.error().message;
}

TEST(StateDirLock, AChildThatInheritedTheLockIsNamedAsItsHolder) {
  support::TempDir dir;
  const std::string file = dir.path() + "/podkeeper.lock";
  std::optional<support::Sleeper> child;
  {
    auto lock = StateDirLock::acquire(file);
    ASSERT_TRUE(lock) << lock.error().message;
    child.emplace();  // a fork: its copy of the descriptor keeps the lock after ours closes
  }
  auto again = StateDirLock::acquire(file);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("(pid " + std::to_string(child->pid) + " "),
            std::string::npos)
      << again.error().message;
  EXPECT_NE(again.error().message.find("not pid " + std::to_string(::getpid()) + " the file names"),
            std::string::npos)
      << again.error().message;
  child.reset();  // killed: the lock is free
  EXPECT_TRUE(StateDirLock::acquire(file));
}

}  // namespace
}  // namespace podkeeper::runtime
