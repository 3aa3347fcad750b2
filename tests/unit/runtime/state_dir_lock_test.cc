// The state directory's lock: one agent per directory, and a refusal that names who holds it,
// also when that is not the pid the lock file names (a child that inherited the descriptor).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

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

// Held by a descriptor no process has open (in flight in a socket, as a killed agent's
// child that has not yet closed what it inherited is invisible a moment later): the lock is
// asked for again until it is let go, not refused at once.
TEST(StateDirLock, ALockThatNoProcessHoldsOpenIsWaitedForAMoment) {
  support::TempDir dir;
  const std::string file = dir.path() + "/podkeeper.lock";
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd sender(sv[0]), receiver(sv[1]);
  {
    UniqueFd held(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    ASSERT_TRUE(held.valid());
    ASSERT_EQ(::flock(held.get(), LOCK_EX | LOCK_NB), 0);
    const int fd = held.get();
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    char byte = 'x';
    iovec iov{&byte, 1};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    ASSERT_EQ(::sendmsg(sender.get(), &msg, 0), 1);
  }  // our descriptor is closed: only the one in flight holds the lock
  std::thread letGo([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    receiver.reset();  // the message and its descriptor go: the lock is free
  });
  auto again = StateDirLock::acquire(file);
  letGo.join();
  EXPECT_TRUE(again) << again.error().message;
}

}  // namespace
}  // namespace podkeeper::runtime
