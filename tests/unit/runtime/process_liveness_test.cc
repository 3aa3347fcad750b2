// ProcessLiveness against real child processes: the first check opens a pidfd, later ones
// poll it; an exit (a zombie too), a wrong start time and the cap all answer as processAlive.
#include "runtime/sys/process_liveness.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/sys/proc.h"
#include "tests/support/sleeper.h"

namespace podkeeper::runtime {
namespace {

using support::Sleeper;

TEST(ProcessLiveness, ARunningProcessIsHeldByItsPidfdUntilItExits) {
  ProcessLiveness live;
  Sleeper s;
  const pid_t pid = s.pid;
  EXPECT_TRUE(live.alive(pid, s.start));
  EXPECT_TRUE(live.alive(pid, s.start));  // the held pidfd, polled
  EXPECT_EQ(live.held(), 1u);
  s.reap();
  EXPECT_FALSE(live.alive(pid, s.start));
  EXPECT_EQ(live.held(), 0u);  // closed once seen gone
  EXPECT_FALSE(live.alive(pid, s.start));
}

TEST(ProcessLiveness, AZombieIsNotAlive) {
  ProcessLiveness live;
  Sleeper held, fresh;
  EXPECT_TRUE(live.alive(held.pid, held.start));
  held.killOnly();
  fresh.killOnly();
  EXPECT_FALSE(live.alive(held.pid, held.start));    // seen through the held pidfd
  EXPECT_FALSE(live.alive(fresh.pid, fresh.start));  // first seen as a zombie
  EXPECT_FALSE(processAlive(fresh.pid, fresh.start));
  EXPECT_EQ(live.held(), 0u);
}

TEST(ProcessLiveness, AnotherStartTimeIsAnotherProcess) {
  ProcessLiveness live;
  Sleeper s;
  EXPECT_FALSE(live.alive(s.pid, s.start + 1));
  EXPECT_EQ(live.held(), 0u);
  EXPECT_TRUE(live.alive(s.pid, s.start));
  EXPECT_FALSE(live.alive(0, 0));
  EXPECT_FALSE(live.alive(-1, 0));
}

TEST(ProcessLiveness, ASweepForgetsWhatWasNotAskedAboutSinceTheLastOne) {
  ProcessLiveness live;
  Sleeper a, b;
  EXPECT_TRUE(live.alive(a.pid, a.start));
  EXPECT_TRUE(live.alive(b.pid, b.start));
  live.sweep();  // both were asked about: kept
  EXPECT_EQ(live.known(), 2u);
  EXPECT_TRUE(live.alive(a.pid, a.start));
  live.sweep();  // b was not: its pidfd is closed
  EXPECT_EQ(live.known(), 1u);
  EXPECT_EQ(live.held(), 1u);
}

TEST(ProcessLiveness, PastItsCapItReadsProcAndStillAnswersRight) {
  ProcessLiveness live(1);
  Sleeper a, b;
  EXPECT_TRUE(live.alive(a.pid, a.start));
  EXPECT_TRUE(live.alive(b.pid, b.start));
  EXPECT_EQ(live.held(), 1u);
  EXPECT_EQ(live.known(), 1u);
  const pid_t gone = b.pid;
  b.reap();
  EXPECT_FALSE(live.alive(gone, b.start));
}

TEST(ProcessLiveness, AllAtOnceAnswersEachAsAliveWould) {
  ProcessLiveness live;
  Sleeper held, exited, fresh, zombie;
  EXPECT_TRUE(live.alive(held.pid, held.start));
  EXPECT_TRUE(live.alive(exited.pid, exited.start));
  EXPECT_TRUE(live.alive(zombie.pid, zombie.start));
  const pid_t gone = exited.pid;
  exited.reap();
  zombie.killOnly();
  const std::vector<ProcessLiveness::Id> ids{{held.pid, held.start},     {gone, exited.start},
                                             {fresh.pid, fresh.start},   {zombie.pid, zombie.start},
                                             {held.pid, held.start + 1}, {0, 0}};
  EXPECT_EQ(live.aliveAll(ids), (std::vector<bool>{true, false, true, false, false, false}));
  EXPECT_EQ(live.held(), 2u);  // held and fresh; the exited ones were closed
  live.sweep();
  EXPECT_EQ(live.aliveAll({}), std::vector<bool>{});
  live.sweep();  // nothing was asked about since: all forgotten
  EXPECT_EQ(live.known(), 0u);
}

}  // namespace
}  // namespace podkeeper::runtime
