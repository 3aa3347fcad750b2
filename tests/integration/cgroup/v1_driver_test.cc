// The v1 driver alone on this machine's real v1 hierarchies (root required): the freezer
// path of killAll, which the hybrid driver only needs when cgroup.kill is missing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/layout.h"
#include "runtime/cgroup/process_signaller.h"
#include "runtime/cgroup/v1/v1_manager.h"
#include "test_support.h"
#include "tests/support/cgroup_tree.h"

namespace podkeeper::runtime::cgroup {
namespace {

using testing::Child;
using testing::readFileOrEmpty;

std::vector<Hierarchy> realV1Hierarchies() {
  auto layout = detectLayout(CgroupConfig{}, statfsMagic);
  if (!layout) throw std::runtime_error(layout.error().message);
  return usedV1Hierarchies(layout->v1);
}

// Real kill(2) and waits, noting the freezer state at each kill.
class FreezerWitness final : public ProcessSignaller {
 public:
  explicit FreezerWitness(std::string stateFile) : stateFile_(std::move(stateFile)) {}
  int kill(pid_t pid, int sig) override {
    statesAtKill.push_back(readFileOrEmpty(stateFile_));
    return real_->kill(pid, sig);
  }
  void pause(std::chrono::milliseconds d) override { real_->pause(d); }

  std::vector<std::string> statesAtKill;

 private:
  std::string stateFile_;
  std::shared_ptr<ProcessSignaller> real_ = systemSignaller();
};

class RealV1DriverTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(mgr_.create(path_).has_value()); }

  const std::string root_ = testing::uniqueRoot("v1");
  const support::CgroupRootGuard rootGuard_{root_};
  const std::string path_ = root_ + "/ctr";
  std::shared_ptr<FreezerWitness> witness_ =
      std::make_shared<FreezerWitness>("/sys/fs/cgroup/freezer/" + root_ + "/freezer.state");
  V1Manager mgr_{realV1Hierarchies(), witness_};
};

TEST_F(RealV1DriverTest, KillAllFreezesAForkingTreeKillsEveryTaskAndThaws) {
  // pids.max bounds the fork bomb to this cgroup.
  {
    auto pids = CgroupDir::open("/sys/fs/cgroup/pids/" + path_);
    ASSERT_TRUE(pids.has_value());
    ASSERT_TRUE(pids->write("pids.max", "64").has_value());
  }
  Child bomb(/*burnMillis=*/0, /*forkForever=*/true);
  ASSERT_TRUE(mgr_.addProcess(path_, bomb.pid()).has_value());
  bomb.releaseAndWaitBurnt();
  for (int i = 0; i < 100 && mgr_.pids(path_)->size() < 8; ++i) ::usleep(1000);
  ASSERT_GE(mgr_.pids(path_)->size(), 8u);

  auto killed = mgr_.killAll(root_);

  ASSERT_TRUE(killed.has_value()) << killed.error().message;
  EXPECT_TRUE(mgr_.pids(root_)->empty());
  const int status = bomb.reap();
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  ASSERT_FALSE(witness_->statesAtKill.empty());
  for (const std::string& state : witness_->statesAtKill) EXPECT_EQ(state, "FROZEN\n");
  EXPECT_EQ(readFileOrEmpty("/sys/fs/cgroup/freezer/" + root_ + "/freezer.state"), "THAWED\n");
}

TEST_F(RealV1DriverTest, AddProcessJoinsEveryUsedHierarchy) {
  Child child;
  ASSERT_TRUE(mgr_.addProcess(path_, child.pid()).has_value());

  int joined = 0;
  for (const std::string& line : testing::procCgroupLines(child.pid())) {
    if (line.starts_with("0::")) continue;  // the unified tree is the hybrid driver's job
    EXPECT_TRUE(line.ends_with(":/" + path_)) << line;
    ++joined;
  }
  EXPECT_EQ(joined, 9);
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
