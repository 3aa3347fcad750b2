#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/auth/identity.h"
#include "common/error.h"

// --authorization-policy-file: which users and groups may read which subresources of the
// node. YAML:
//
//   rules:
//   - users: [prometheus]               # any of these users ...
//     groups: [system:monitoring]       # ... or members of any of these groups
//     resources: [metrics]              # metrics, pods, log, exec, or "*"
//   - groups: [system:masters]
//     resources: ["*"]
//
// A request is allowed when one rule names its user or one of its groups (every
// authenticated identity is in system:authenticated) and its resource. Nothing else is
// allowed. Errors name file:line:column.
namespace podkeeper::auth {

struct PolicyRule {
  std::vector<std::string> users;
  std::vector<std::string> groups;
  std::vector<Resource> resources;
};

class AuthorizationPolicy {
 public:
  AuthorizationPolicy() = default;
  explicit AuthorizationPolicy(std::vector<PolicyRule> rules) : rules_(std::move(rules)) {}
  bool allows(const Identity& who, Resource what) const;
  const std::vector<PolicyRule>& rules() const { return rules_; }

 private:
  std::vector<PolicyRule> rules_;
};

Result<AuthorizationPolicy> parsePolicy(std::string_view yaml, const std::string& file);

}  // namespace podkeeper::auth
