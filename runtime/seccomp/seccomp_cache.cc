#include "runtime/seccomp/seccomp_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runtime/seccomp/seccomp_compile.h"
#include "runtime/seccomp/seccomp_default.h"
#include "runtime/seccomp/seccomp_filter.h"
#include "runtime/seccomp/seccomp_profile.h"
#include "runtime/sys/atomic_file.h"
#include "runtime/sys/capabilities.h"

namespace podkeeper::runtime {
namespace {

std::string_view bytesOf(const std::vector<sock_filter>& program) {
  return {reinterpret_cast<const char*>(program.data()), program.size() * sizeof(sock_filter)};
}

}  // namespace

std::string seccompProgramFileName(const std::vector<sock_filter>& program) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64
  for (unsigned char c : bytesOf(program)) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char name[64];
  std::snprintf(name, sizeof name, "%016llx-%zu.bpf", static_cast<unsigned long long>(h),
                program.size());
  return name;
}

Result<std::optional<SeccompProgramCache::Entry>> SeccompProgramCache::programFor(
    const SeccompSpec& spec, const std::vector<std::string>& capabilities, bool privileged) {
  using Answer = std::optional<Entry>;
  if (privileged || spec.kind == SeccompSpec::Kind::Unconfined) return Answer();
  std::string key;
  std::string text;  // a Localhost profile's bytes
  std::optional<uint64_t> mask;
  if (spec.kind == SeccompSpec::Kind::RuntimeDefault) {
    auto m = capabilityMask(capabilities);
    if (!m) return fail(m.error());
    mask = *m;
    key = "RuntimeDefault " + std::to_string(*m);
  } else {
    auto t = readLocalhostSeccompProfile(spec.profileRoot, spec.localhostProfile);
    if (!t) return fail(t.error());
    text = std::move(*t);
    key = "Localhost\n" + text;
  }
  const std::lock_guard lock(mu_);
  if (auto it = byKey_.find(key); it != byKey_.end()) return Answer(it->second);
  ++compiles_;
  Result<Program> program;
  if (mask) {
    program =
        compileSeccompProfile(runtimeDefaultSeccompProfile(*mask), "seccomp profile RuntimeDefault",
                              {.skipUnknownSyscalls = true});
  } else {
    const std::string source = "seccomp profile " + spec.profileRoot + "/" + spec.localhostProfile;
    auto profile = decodeSeccompProfile(text, source);
    if (!profile) return fail(profile.error());
    program = compileSeccompProfile(*profile, source);
  }
  if (!program) return fail(program.error());
  auto entry = storeLocked(std::move(*program));
  if (!entry) return fail(entry.error());
  byKey_.emplace(std::move(key), *entry);
  return Answer(std::move(*entry));
}

// A file of that name from an earlier agent is used when it holds the same program; anything
// else there (torn, or another program under the same hash) is replaced.
Result<SeccompProgramCache::Entry> SeccompProgramCache::storeLocked(Program program) {
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return failSys(errno, "seccomp program cache " + dir_);
  }
  Entry entry{std::make_shared<const Program>(std::move(program)), ""};
  entry.file = dir_ + "/" + seccompProgramFileName(*entry.program);
  auto stored = readSeccompProgram(entry.file);
  const bool same = stored && stored->size() == entry.program->size() &&
                    std::memcmp(stored->data(), entry.program->data(),
                                entry.program->size() * sizeof(sock_filter)) == 0;
  if (!same) {
    if (auto r = writeFileAtomic(entry.file, bytesOf(*entry.program), 0600); !r) {
      return fail(r.error());
    }
  }
  return entry;
}

Result<void> SeccompProgramCache::install(const Entry& entry, const std::string& target) {
  if (::link(entry.file.c_str(), target.c_str()) == 0) return {};
  // Another filesystem, or the stored file went: the container gets its own copy.
  return writeNewFile(target, bytesOf(*entry.program), 0600);
}

size_t SeccompProgramCache::compiles() const {
  const std::lock_guard lock(mu_);
  return compiles_;
}

size_t SeccompProgramCache::size() const {
  const std::lock_guard lock(mu_);
  return byKey_.size();
}

}  // namespace podkeeper::runtime
