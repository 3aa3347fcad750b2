// The kill loop on a fixture tree, with a fake kill(2) playing the kernel.
#include "runtime/cgroup/kill_loop.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "fixture_tree.h"

namespace podkeeper::runtime::cgroup {
namespace {

using testing::FakeSignaller;
using testing::FixtureTree;

class KillLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.write("cg/cgroup.procs", "5\n6\n");
    signaller_.onKill = [&](pid_t) {
      if (++killed_ == 2) tree_.write("cg/cgroup.procs", "");
    };
  }
  TreeFreezer recordingFreezer(bool freezeWorks) {
    return TreeFreezer{[this, freezeWorks]() -> Result<void> {
                         events_.push_back("freeze");
                         if (freezeWorks) return {};
                         return failSys(EBUSY, "still FREEZING");
                       },
                       [this]() -> Result<void> {
                         events_.push_back("thaw");
                         return {};
                       }};
  }

  FixtureTree tree_;
  FakeSignaller signaller_;
  int killed_ = 0;
  std::vector<std::string> events_;
};

TEST_F(KillLoopTest, KillsInsideAFreezeAndThawsAfterwards) {
  signaller_.onKill = [&](pid_t) {
    events_.push_back("kill");
    if (++killed_ == 2) tree_.write("cg/cgroup.procs", "");
  };
  ASSERT_TRUE(killUntilEmpty(tree_.path("cg"), recordingFreezer(true), signaller_).has_value());
  EXPECT_EQ(events_, (std::vector<std::string>{"freeze", "kill", "kill", "thaw"}));
}

TEST_F(KillLoopTest, KillsAnywayWhenTheTreeCannotBeFrozenAndStillThaws) {
  ASSERT_TRUE(killUntilEmpty(tree_.path("cg"), recordingFreezer(false), signaller_).has_value());
  EXPECT_EQ(killed_, 2);
  EXPECT_EQ(events_, (std::vector<std::string>{"freeze", "thaw"}));
}

TEST_F(KillLoopTest, StopsFreezingAfterAFreezeFailed) {
  signaller_.onKill = [&](pid_t) {
    if (++killed_ == 4) tree_.write("cg/cgroup.procs", "");  // survives the first round
  };
  ASSERT_TRUE(killUntilEmpty(tree_.path("cg"), recordingFreezer(false), signaller_).has_value());
  EXPECT_EQ(killed_, 4);
  EXPECT_EQ(events_, (std::vector<std::string>{"freeze", "thaw"}));
}

TEST_F(KillLoopTest, ToleratesProcessesThatAlreadyExited) {
  struct Esrch : ProcessSignaller {
    FixtureTree* tree;
    int kill(pid_t, int) override {
      tree->write("cg/cgroup.procs", "");
      return ESRCH;
    }
    void pause(std::chrono::milliseconds) override {}
  } esrch;
  esrch.tree = &tree_;
  EXPECT_TRUE(killUntilEmpty(tree_.path("cg"), std::nullopt, esrch).has_value());
}

TEST_F(KillLoopTest, OtherKillErrorsAreReturnedWithThePid) {
  struct Eperm : ProcessSignaller {
    int kill(pid_t, int) override { return EPERM; }
    void pause(std::chrono::milliseconds) override {}
  } eperm;
  auto r = killUntilEmpty(tree_.path("cg"), std::nullopt, eperm);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, EPERM);
  EXPECT_NE(r.error().message.find("kill 5"), std::string::npos) << r.error().message;
}

TEST_F(KillLoopTest, WaitUntilEmptyPollsUntilTheKernelEmptiesTheTree) {
  signaller_.onPause = [&] {
    if (signaller_.pauses == 3) tree_.write("cg/cgroup.procs", "");
  };
  ASSERT_TRUE(waitUntilEmpty(tree_.path("cg"), signaller_).has_value());
  EXPECT_EQ(signaller_.pauses, 3);
  EXPECT_TRUE(signaller_.kills.empty());
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
