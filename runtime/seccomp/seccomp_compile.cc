#include "runtime/seccomp/seccomp_compile.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

#include "common/unique_fd.h"

namespace podkeeper::runtime {
namespace {

using FilterContext = std::unique_ptr<void, decltype(&seccomp_release)>;

constexpr uint32_t kEperm = EPERM;

uint32_t libseccompAction(SeccompAction a, std::optional<uint32_t> errnoRet) {
  switch (a) {
    case SeccompAction::Allow:
      return SCMP_ACT_ALLOW;
    case SeccompAction::Errno:
      return SCMP_ACT_ERRNO(errnoRet.value_or(kEperm));
    case SeccompAction::KillThread:
      return SCMP_ACT_KILL_THREAD;
    case SeccompAction::KillProcess:
      return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::Trap:
      return SCMP_ACT_TRAP;
    case SeccompAction::Trace:
      return SCMP_ACT_TRACE(errnoRet.value_or(kEperm));
    case SeccompAction::Log:
      return SCMP_ACT_LOG;
  }
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare libseccompOp(SeccompOp op) {
  switch (op) {
    case SeccompOp::NotEqual:
      return SCMP_CMP_NE;
    case SeccompOp::LessThan:
      return SCMP_CMP_LT;
    case SeccompOp::LessEqual:
      return SCMP_CMP_LE;
    case SeccompOp::Equal:
      return SCMP_CMP_EQ;
    case SeccompOp::GreaterEqual:
      return SCMP_CMP_GE;
    case SeccompOp::GreaterThan:
      return SCMP_CMP_GT;
    case SeccompOp::MaskedEqual:
      return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

// "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64"; 0 when unknown.
uint32_t architectureToken(const std::string& name) {
  constexpr std::string_view kPrefix = "SCMP_ARCH_";
  if (!name.starts_with(kPrefix)) return 0;
  std::string lower = name.substr(kPrefix.size());
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return seccomp_arch_resolve_name(lower.c_str());
}

Result<void> addArchitectures(scmp_filter_ctx ctx, const SeccompProfile& p,
                              const std::string& src) {
  for (size_t i = 0; i < p.architectures.size(); ++i) {
    const std::string field = "architectures[" + std::to_string(i) + "]";
    const uint32_t token = architectureToken(p.architectures[i]);
    if (token == 0) {
      return failMsg(src + ": field " + field + ": unknown architecture \"" + p.architectures[i] +
                     "\"");
    }
    const int rc = seccomp_arch_add(ctx, token);
    if (rc != 0 && rc != -EEXIST) return failSys(-rc, src + ": field " + field);
  }
  return {};
}

// Several conditions on one argument cannot be one libseccomp rule; as runc does, each
// becomes a rule of its own (any of them matches).
std::vector<std::vector<scmp_arg_cmp>> conditionSets(const std::vector<SeccompArg>& args) {
  std::set<unsigned> indexes;
  bool repeated = false;
  for (const auto& a : args) repeated = !indexes.insert(a.index).second || repeated;
  std::vector<std::vector<scmp_arg_cmp>> sets;
  auto cmp = [](const SeccompArg& a) {
    return scmp_arg_cmp{a.index, libseccompOp(a.op), a.value, a.valueTwo};
  };
  if (repeated) {
    for (const auto& a : args) sets.push_back({cmp(a)});
  } else {
    sets.emplace_back();
    for (const auto& a : args) sets.back().push_back(cmp(a));
  }
  return sets;
}

Result<void> addRule(scmp_filter_ctx ctx, const SeccompRule& rule, uint32_t defaultAction,
                     const std::string& field, SeccompCompileOptions options) {
  const uint32_t action = libseccompAction(rule.action, rule.errnoRet);
  if (action == defaultAction) return {};  // libseccomp refuses these; they change nothing
  for (size_t n = 0; n < rule.names.size(); ++n) {
    const std::string& name = rule.names[n];
    const std::string at = field + ".names[" + std::to_string(n) + "]";
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) {
      if (options.skipUnknownSyscalls) continue;
      return failMsg(at + ": unknown syscall \"" + name + "\" (not known to libseccomp " +
                     std::to_string(seccomp_version()->major) + "." +
                     std::to_string(seccomp_version()->minor) + "." +
                     std::to_string(seccomp_version()->micro) + ")");
    }
    for (const auto& conds : conditionSets(rule.args)) {
      const int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conds.size()),
                                            conds.empty() ? nullptr : conds.data());
      if (rc != 0)
        return failMsg(at + ": rule for \"" + name + "\" refused: " + std::strerror(-rc));
    }
  }
  return {};
}

Result<std::vector<sock_filter>> exportProgram(scmp_filter_ctx ctx, const std::string& src) {
  UniqueFd fd(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
  if (!fd.valid()) return failSys(errno, src + ": memfd_create");
  if (const int rc = seccomp_export_bpf(ctx, fd.get()); rc != 0) {
    return failSys(-rc, src + ": export the BPF program");
  }
  const off_t size = ::lseek(fd.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0) {
    return failMsg(src + ": libseccomp exported a program of " + std::to_string(size) + " bytes");
  }
  std::vector<sock_filter> program(static_cast<size_t>(size) / sizeof(sock_filter));
  if (::pread(fd.get(), program.data(), static_cast<size_t>(size), 0) != size) {
    return failSys(errno, src + ": read the BPF program");
  }
  if (program.size() > BPF_MAXINSNS) {
    return failMsg(src + ": the program has " + std::to_string(program.size()) +
                   " instructions; the kernel takes at most " + std::to_string(BPF_MAXINSNS));
  }
  return program;
}

}  // namespace

Result<std::vector<sock_filter>> compileSeccompProfile(const SeccompProfile& profile,
                                                       const std::string& source,
                                                       SeccompCompileOptions options) {
  const uint32_t defaultAction = libseccompAction(profile.defaultAction, profile.defaultErrnoRet);
  FilterContext ctx(seccomp_init(defaultAction), &seccomp_release);
  if (!ctx) return failMsg(source + ": field defaultAction: libseccomp refused it");
  if (auto r = addArchitectures(ctx.get(), profile, source); !r) return fail(r.error());
  for (size_t i = 0; i < profile.syscalls.size(); ++i) {
    const std::string field = "syscalls[" + std::to_string(i) + "]";
    if (auto r = addRule(ctx.get(), profile.syscalls[i], defaultAction, field, options); !r) {
      return failMsg(source + ": field " + r.error().message);
    }
  }
  return exportProgram(ctx.get(), source);
}

}  // namespace podkeeper::runtime
