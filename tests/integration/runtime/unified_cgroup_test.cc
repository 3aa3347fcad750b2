#include "runtime_fixture.h"
#include "unified_tree.h"

namespace podkeeper::runtime::testing {
namespace {

// The cgroup v2 path: the runtime given only the unified tree, where the shim clones the
// init straight into its cgroup (CLONE_INTO_CGROUP) with no sync-pipe placement.
class UnifiedOnly : public OnUnifiedTree<RuntimeFixture> {};

TEST_F(UnifiedOnly, InitIsBornInItsCgroupWithItsOwnCgroupNamespace) {
  ASSERT_EQ(cgroups_->mode(), cgroup::Mode::V2);
  const auto sb = makeSandbox("v2");
  const auto spec =
      container(sb, "app",
                {"sh", "-c",
                 "cat /proc/self/cgroup; echo procs=$(cat /sys/fs/cgroup/cgroup.procs); sleep 30"});
  const auto st = start(spec);
  ASSERT_TRUE(st.running);
  // On a hybrid host the v1 lines follow the shim; the unified line is the container's.
  const auto cgroups = readFileOr("/proc/" + std::to_string(st.pid) + "/cgroup");
  EXPECT_NE(cgroups.find("\n0::/" + sb.cgroupParent + "/app\n"), std::string::npos) << cgroups;
  // Inside, the container's cgroup is the root of its cgroup namespace.
  const auto log = waitForLog(spec, [](const std::string& t) { return t.find("0::") != t.npos; });
  EXPECT_NE(log.find(" stdout F 0::/\n"), std::string::npos) << log;
  // /sys/fs/cgroup is its own cgroup: the init (1) and the cat (3) of the command above.
  const auto procs =
      waitForLog(spec, [](const std::string& t) { return t.find("procs=") != t.npos; });
  EXPECT_NE(procs.find(" stdout F procs=1 "), std::string::npos) << procs;
  ASSERT_TRUE(runtime_->killContainer(sb.uid, "app").has_value());
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
}

}  // namespace
}  // namespace podkeeper::runtime::testing
