#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/auth/identity.h"
#include "common/error.h"

namespace podkeeper::auth {

struct TokenEntry {
  std::string token;
  Identity identity;  // user and the groups of the file
  std::string uid;
};

// The API server's static token file (--token-auth-file): CSV lines `token,user,uid` with an
// optional fourth field of groups, quoted when there are several: `t,alice,1,"ops,dev"`.
// Blank lines are skipped. Errors name file:line.
Result<std::vector<TokenEntry>> parseTokenFile(std::string_view text, const std::string& file);

// Bearer tokens checked in constant time: every entry is compared (CRYPTO_memcmp of SHA-256
// digests, so neither which entry matched nor the token's length shows in the timing).
class TokenTable {
 public:
  TokenTable() = default;
  explicit TokenTable(const std::vector<TokenEntry>& entries);
  std::optional<Identity> authenticate(std::string_view token) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Hashed {
    std::array<unsigned char, 32> digest;
    Identity identity;
  };
  std::vector<Hashed> entries_;
};

}  // namespace podkeeper::auth
