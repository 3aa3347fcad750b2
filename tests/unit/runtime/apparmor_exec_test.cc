#include "runtime/init/apparmor_exec.h"

#include <gtest/gtest.h>

namespace podkeeper::runtime {
namespace {

TEST(AppArmorExec, PlanWritesExecProfileToTheNewAttrFileFirstAsRuncDoes) {
  auto plan = appArmorExecPlan("cri-containerd.apparmor.d");
  EXPECT_EQ(plan.content, "exec cri-containerd.apparmor.d");
  EXPECT_EQ(plan.attrFiles,
            (std::vector<std::string>{"/proc/self/attr/apparmor/exec", "/proc/self/attr/exec"}));
}

TEST(AppArmorExec, ApplyingWithoutAnyAttrFileFailsNamingIt) {
  AppArmorExecPlan plan{{"/nonexistent/podkeeper/attr/exec"}, "exec x"};
  auto r = applyAppArmorExecPlan(plan);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/podkeeper/attr/exec"), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::runtime
