// libFuzzer target for the two files an operator hands the HTTPS port's auth chain: the
// static token file (--token-auth-file, CSV) and the authorization policy
// (--authorization-policy-file, YAML). Any bytes in; an error naming the file, or a table and
// a policy for which the invariants below hold. Run it with tests/fuzz/run-fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/auth/identity.h"
#include "agent/auth/policy.h"
#include "agent/auth/token_file.h"

namespace pa = podkeeper::auth;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr pa::Resource kResources[] = {pa::Resource::Metrics, pa::Resource::Pods, pa::Resource::Log,
                                       pa::Resource::Exec};

bool hasToken(const std::vector<pa::TokenEntry>& entries, const std::string& token) {
  for (const auto& e : entries)
    if (e.token == token) return true;
  return false;
}

// Every token of a parsed file authenticates as the first entry carrying it; a token that is
// not in the file does not.
void tokenFile(std::string_view text) {
  auto entries = pa::parseTokenFile(text, "tokens.csv");
  if (!entries) {
    check(entries.error().message.starts_with("tokens.csv:"));
    return;
  }
  pa::TokenTable table(*entries);
  check(table.size() == entries->size());
  for (const auto& e : *entries) {
    check(!e.token.empty() && !e.identity.user.empty());
    auto who = table.authenticate(e.token);
    check(who.has_value());
    for (const auto& first : *entries) {
      if (first.token != e.token) continue;
      check(who->user == first.identity.user);
      break;
    }
    if (!hasToken(*entries, e.token + "\x01"))
      check(!table.authenticate(e.token + "\x01").has_value());
  }
  check(!table.authenticate("").has_value());
}

// A parsed policy allows each rule's users and groups what the rule names, and nothing to an
// identity no rule names (unless a rule grants system:authenticated).
void policy(std::string_view text) {
  auto parsed = pa::parsePolicy(text, "policy.yaml");
  if (!parsed) {
    check(parsed.error().message.starts_with("policy.yaml:"));
    return;
  }
  bool everyone = false;
  for (const auto& rule : parsed->rules()) {
    check(!rule.resources.empty() && (!rule.users.empty() || !rule.groups.empty()));
    for (const auto& g : rule.groups) everyone = everyone || g == pa::kAuthenticatedGroup;
    for (auto r : rule.resources) {
      for (const auto& u : rule.users) check(parsed->allows(pa::Identity{u, {}}, r));
      for (const auto& g : rule.groups) check(parsed->allows(pa::Identity{"\x01", {g}}, r));
    }
  }
  // No rule can name an empty user.
  for (auto r : kResources)
    if (!everyone) check(!parsed->allows(pa::Identity{"", {}}, r));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tokenFile(text);
  policy(text);
  return 0;
}
