#include "runtime/image/image_user.h"

#include <charconv>

namespace podkeeper::runtime {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

template <class F>
void forEachLine(std::string_view text, F&& f) {
  for (auto line : split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    f(line);
  }
}

std::optional<uint32_t> number(std::string_view s) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::vector<PasswdEntry> parsePasswd(std::string_view text) {
  std::vector<PasswdEntry> out;
  forEachLine(text, [&](std::string_view line) {
    const auto f = split(line, ':');
    if (f.size() < 7 || f[0].empty()) return;
    const auto uid = number(f[2]), gid = number(f[3]);
    if (!uid || !gid) return;
    out.push_back({std::string(f[0]), *uid, *gid, std::string(f[5])});
  });
  return out;
}

std::vector<GroupEntry> parseGroup(std::string_view text) {
  std::vector<GroupEntry> out;
  forEachLine(text, [&](std::string_view line) {
    const auto f = split(line, ':');
    if (f.size() < 4 || f[0].empty()) return;
    const auto gid = number(f[2]);
    if (!gid) return;
    GroupEntry g{std::string(f[0]), *gid, {}};
    for (auto m : split(f[3], ','))
      if (!m.empty()) g.members.emplace_back(m);
    out.push_back(std::move(g));
  });
  return out;
}

Result<ResolvedUser> resolveUser(std::string_view user, const std::vector<PasswdEntry>& passwd,
                                 const std::vector<GroupEntry>& groups) {
  const auto colon = user.find(':');
  const std::string_view userPart = user.substr(0, colon);
  const std::string_view groupPart =
      colon == std::string_view::npos ? std::string_view() : user.substr(colon + 1);
  ResolvedUser r;
  const PasswdEntry* entry = nullptr;
  const auto uid = number(userPart);
  for (const auto& p : passwd) {
    if (userPart.empty() ? p.uid == 0 : (uid ? p.uid == *uid : p.name == userPart)) {
      entry = &p;
      break;
    }
  }
  if (entry) {
    r.uid = entry->uid;
    r.gid = entry->gid;
    if (!entry->home.empty()) r.home = entry->home;
  } else if (uid || userPart.empty()) {
    r.uid = uid.value_or(0);
  } else {
    return failMsg("user \"" + std::string(userPart) + "\" is not in the image's /etc/passwd");
  }
  if (!groupPart.empty()) {
    const auto gid = number(groupPart);
    if (gid) {
      r.gid = *gid;
    } else {
      const GroupEntry* g = nullptr;
      for (const auto& e : groups)
        if (e.name == groupPart) g = &e;
      if (!g) {
        return failMsg("group \"" + std::string(groupPart) + "\" is not in the image's /etc/group");
      }
      r.gid = g->gid;
    }
  } else if (entry) {
    for (const auto& g : groups) {
      if (g.gid == r.gid) continue;
      for (const auto& m : g.members)
        if (m == entry->name) {
          r.additionalGids.push_back(g.gid);
          break;
        }
    }
  }
  return r;
}

std::optional<int64_t> numericImageUid(std::string_view user) {
  const std::string_view userPart = user.substr(0, user.find(':'));
  if (userPart.empty()) return 0;
  const auto uid = number(userPart);
  return uid ? std::optional<int64_t>(*uid) : std::nullopt;
}

}  // namespace podkeeper::runtime
