// Issue 10 item 9, the pids part: a pod's processes are bounded by pids.max on its pod cgroup
// (the kubelet's podPidsLimit), so a fork bomb stays in its pod. Root and the real kernel.
#include <string>

#include "runtime_fixture.h"

namespace podkeeper::runtime::testing {
namespace {

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

class PodPidsLimit : public RuntimeFixture {
 protected:
  SandboxSpec limitedSandbox(const std::string& uid, int64_t limit) {
    SandboxSpec s = sandbox(uid);
    s.resources.pidsLimit = limit;
    sandboxes_.push_back(uid);
    auto r = runtime_->ensureSandbox(s);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return s;
  }
  std::string pidsFile(const SandboxSpec& sb, const std::string& file) const {
    const std::string base =
        cgroups_->mode() == cgroup::Mode::V2 ? "/sys/fs/cgroup/" : "/sys/fs/cgroup/pids/";
    return readFileOr(base + sb.cgroupParent + "/" + file, "<absent>");
  }
  // A bounded bomb: 200 sleepers (far fewer than the host can hold, so the test is safe even
  // when no limit holds it), then it reports and keeps what it started.
  static std::vector<std::string> bomb() {
    return {"sh", "-c",
            "sh -c 'i=0; while [ $i -lt 200 ]; do sleep 1000 & i=$((i+1)); done' 2>&1; "
            "echo bomb-done; exec sleep 1000"};
  }
};

TEST_F(PodPidsLimit, TheLimitIsWrittenToThePodsPidsMax) {
  const auto sb = limitedSandbox("pidsmax", 4096);
  EXPECT_EQ(pidsFile(sb, "pids.max"), "4096\n");
}

TEST_F(PodPidsLimit, UnlimitedWritesMaxOverAnEarlierLimit) {
  limitedSandbox("pidsnomax", 32);
  const auto sb = limitedSandbox("pidsnomax", -1);
  EXPECT_EQ(pidsFile(sb, "pids.max"), "max\n");
}

TEST_F(PodPidsLimit, AForkBombGetsEagainAtItsPodsLimit) {
  const auto sb = limitedSandbox("bomb", 32);
  const auto spec = container(sb, "bomb", bomb());
  start(spec);
  const auto log = waitForLog(spec, [](const std::string& l) { return contains(l, "bomb-done"); });
  EXPECT_TRUE(contains(log, "Resource temporarily unavailable")) << log;
  EXPECT_EQ(pidsFile(sb, "pids.max"), "32\n");
}

TEST_F(PodPidsLimit, AnotherPodStillStartsProcessesWhileABombHoldsItsLimit) {
  const auto sb = limitedSandbox("bomb2", 32);
  const auto spec = container(sb, "bomb", bomb());
  start(spec);
  const auto bombLog =
      waitForLog(spec, [](const std::string& l) { return contains(l, "bomb-done"); });
  ASSERT_TRUE(contains(bombLog, "Resource temporarily unavailable")) << bombLog;

  const auto other = limitedSandbox("calm", 32);
  const auto calm = container(other, "app", {"sh", "-c", "sleep 0; echo started"});
  start(calm);
  ASSERT_TRUE(waitForExit(other.uid, "app").has_value());
  EXPECT_TRUE(contains(readFileOr(calm.logPath), "F started\n")) << readFileOr(calm.logPath);
}

}  // namespace
}  // namespace podkeeper::runtime::testing
