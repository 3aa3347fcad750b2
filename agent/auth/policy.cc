#include "agent/auth/policy.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace podkeeper::auth {
namespace {

constexpr Resource kAll[] = {Resource::Metrics, Resource::Pods, Resource::Log, Resource::Exec};

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

class PolicyParser {
 public:
  explicit PolicyParser(std::string file) : file_(std::move(file)) {}

  Result<AuthorizationPolicy> parse(std::string_view text) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      return failMsg(file_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    if (!root.IsMap()) return error(root, "expected a mapping with a rules: list");
    for (const auto& kv : root) {
      if (!kv.first.IsScalar()) return error(kv.first, "a field name must be a plain name");
      if (kv.first.Scalar() != "rules")
        return error(kv.first, "unknown field \"" + kv.first.Scalar() + "\"");
    }
    const YAML::Node rules = root["rules"];
    if (!rules || !rules.IsSequence()) return error(root, "rules: must be a list of rules");
    std::vector<PolicyRule> out;
    for (const auto& node : rules) {
      auto rule = parseRule(node);
      if (!rule) return fail(rule.error());
      out.push_back(std::move(*rule));
    }
    return AuthorizationPolicy(std::move(out));
  }

 private:
  std::unexpected<Error> error(const YAML::Node& at, const std::string& what) const {
    const auto mark = at.Mark();
    return failMsg(file_ + ":" + std::to_string(mark.line + 1) + ":" +
                   std::to_string(mark.column + 1) + ": " + what);
  }

  Result<std::vector<std::string>> names(const YAML::Node& node, const std::string& field) {
    std::vector<std::string> out;
    if (!node) return out;
    if (!node.IsSequence()) return error(node, field + ": must be a list of names");
    for (const auto& n : node) {
      if (!n.IsScalar() || n.Scalar().empty())
        return error(n, field + ": each entry must be a non-empty name");
      out.push_back(n.Scalar());
    }
    return out;
  }

  Result<PolicyRule> parseRule(const YAML::Node& node) {
    if (!node.IsMap()) return error(node, "a rule must be a mapping of users, groups, resources");
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) return error(kv.first, "a field name must be a plain name");
      const auto& key = kv.first.Scalar();
      if (key != "users" && key != "groups" && key != "resources")
        return error(kv.first, "unknown field \"" + key + "\" (users, groups, resources)");
    }
    PolicyRule rule;
    auto users = names(node["users"], "users");
    if (!users) return fail(users.error());
    auto groups = names(node["groups"], "groups");
    if (!groups) return fail(groups.error());
    auto resources = names(node["resources"], "resources");
    if (!resources) return fail(resources.error());
    rule.users = std::move(*users);
    rule.groups = std::move(*groups);
    if (rule.users.empty() && rule.groups.empty())
      return error(node, "a rule needs users or groups");
    if (resources->empty()) return error(node, "a rule needs resources");
    size_t i = 0;
    for (const auto& r : *resources) {
      const YAML::Node at = node["resources"][i++];
      if (r == "*") {
        rule.resources.assign(std::begin(kAll), std::end(kAll));
        continue;
      }
      auto known = std::find_if(std::begin(kAll), std::end(kAll),
                                [&](Resource k) { return r == toString(k); });
      if (known == std::end(kAll))
        return error(at, "resources: \"" + r + "\" is not one of metrics, pods, log, exec, *");
      rule.resources.push_back(*known);
    }
    return rule;
  }

  std::string file_;
};

}  // namespace

bool AuthorizationPolicy::allows(const Identity& who, Resource what) const {
  for (const auto& rule : rules_) {
    if (std::find(rule.resources.begin(), rule.resources.end(), what) == rule.resources.end())
      continue;
    if (contains(rule.users, who.user)) return true;
    if (contains(rule.groups, kAuthenticatedGroup)) return true;
    for (const auto& g : who.groups)
      if (contains(rule.groups, g)) return true;
  }
  return false;
}

Result<AuthorizationPolicy> parsePolicy(std::string_view yaml, const std::string& file) {
  return PolicyParser(file).parse(yaml);
}

}  // namespace podkeeper::auth
