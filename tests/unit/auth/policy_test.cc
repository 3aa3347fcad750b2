#include "agent/auth/policy.h"

#include <gtest/gtest.h>

namespace podkeeper::auth {
namespace {

constexpr const char* kPolicy = R"(rules:
- users: [prometheus]
  groups: [system:monitoring]
  resources: [metrics]
- groups: [system:masters]
  resources: ["*"]
- users: [oncall]
  resources: [pods, log]
)";

Identity who(std::string user, std::vector<std::string> groups = {}) {
  groups.push_back(kAuthenticatedGroup);
  return {std::move(user), std::move(groups)};
}

TEST(Policy, GrantsByUserOrGroupAndResource) {
  auto p = parsePolicy(kPolicy, "policy.yaml");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->allows(who("prometheus"), Resource::Metrics));
  EXPECT_FALSE(p->allows(who("prometheus"), Resource::Pods));
  EXPECT_TRUE(p->allows(who("scraper", {"system:monitoring"}), Resource::Metrics));
  EXPECT_TRUE(p->allows(who("root", {"system:masters"}), Resource::Exec));
  EXPECT_TRUE(p->allows(who("oncall"), Resource::Log));
  EXPECT_FALSE(p->allows(who("oncall"), Resource::Exec));
  EXPECT_FALSE(p->allows(who("nobody"), Resource::Metrics));
}

TEST(Policy, SystemAuthenticatedGrantsEveryAuthenticatedIdentity) {
  auto p = parsePolicy("rules:\n- groups: [system:authenticated]\n  resources: [metrics]\n", "p");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->allows({"anyone", {}}, Resource::Metrics));
  EXPECT_FALSE(p->allows({"anyone", {}}, Resource::Pods));
}

void expectError(const std::string& yaml, const std::string& expected) {
  auto p = parsePolicy(yaml, "/etc/podkeeper/policy.yaml");
  ASSERT_FALSE(p) << yaml;
  EXPECT_NE(p.error().message.find(expected), std::string::npos) << p.error().message;
}

TEST(Policy, ErrorsNameFileLineAndColumn) {
  expectError("rules:\n- users: [a]\n  resources: [metrics, nodes]\n",
              "/etc/podkeeper/policy.yaml:3:24: resources: \"nodes\" is not one of");
  expectError("rules:\n- users: [a]\n  resource: [pods]\n",
              "policy.yaml:3:3: unknown field \"resource\"");
  expectError("rules:\n- resources: [pods]\n", "policy.yaml:2:3: a rule needs users or groups");
  expectError("rules: [\n", "policy.yaml:");
  expectError("rule: []\n", "unknown field \"rule\"");
  expectError("rules:\n- users: a\n  resources: [pods]\n", "users: must be a list");
}

// Found by tests/fuzz/auth_fuzzer: a complex key (`? [..]`) once threw out of the parser.
TEST(Policy, AFieldNameThatIsNotAPlainNameIsAnError) {
  expectError("rules:\n? users: [a]\n", "policy.yaml:2:3: a field name must be a plain name");
  expectError("? [rules]\n: []\n", "policy.yaml:1:3: a field name must be a plain name");
}

}  // namespace
}  // namespace podkeeper::auth
