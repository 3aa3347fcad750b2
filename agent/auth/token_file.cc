#include "agent/auth/token_file.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace podkeeper::auth {
namespace {

std::array<unsigned char, 32> sha256(std::string_view s) {
  std::array<unsigned char, 32> d{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}

// One CSV record (RFC 4180 quoting: "a,b" and "" for a quote inside quotes).
Result<std::vector<std::string>> csvFields(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) return failMsg("a quoted field is not closed");
  return fields;
}

std::vector<std::string> splitGroups(const std::string& s) {
  std::vector<std::string> groups;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string g = s.substr(start, comma - start);
    if (!g.empty()) groups.push_back(std::move(g));
    start = comma + 1;
  }
  return groups;
}

}  // namespace

Result<std::vector<TokenEntry>> parseTokenFile(std::string_view text, const std::string& file) {
  std::vector<TokenEntry> entries;
  int lineNo = 0;
  while (!text.empty()) {
    ++lineNo;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string where = file + ":" + std::to_string(lineNo) + ": ";
    auto fields = csvFields(line);
    if (!fields) return failMsg(where + fields.error().message);
    if (fields->size() < 3 || fields->size() > 4)
      return failMsg(where + "expected token,user,uid[,\"group1,group2\"], found " +
                     std::to_string(fields->size()) + " fields");
    TokenEntry e;
    e.token = (*fields)[0];
    e.identity.user = (*fields)[1];
    e.uid = (*fields)[2];
    if (e.token.empty()) return failMsg(where + "the token is empty");
    if (e.identity.user.empty()) return failMsg(where + "the user name is empty");
    if (fields->size() == 4) e.identity.groups = splitGroups((*fields)[3]);
    entries.push_back(std::move(e));
  }
  return entries;
}

TokenTable::TokenTable(const std::vector<TokenEntry>& entries) {
  for (const auto& e : entries) entries_.push_back({sha256(e.token), e.identity});
}

std::optional<Identity> TokenTable::authenticate(std::string_view token) const {
  const auto digest = sha256(token);
  const Hashed* found = nullptr;
  for (const auto& e : entries_)
    if (CRYPTO_memcmp(e.digest.data(), digest.data(), digest.size()) == 0 && !found) found = &e;
  if (!found) return std::nullopt;
  return found->identity;
}

}  // namespace podkeeper::auth
