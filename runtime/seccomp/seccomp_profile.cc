#include "runtime/seccomp/seccomp_profile.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/json_text.h"
#include "common/unique_fd.h"
#include "runtime/sys/syscalls.h"

namespace podkeeper::runtime {
namespace {

using nlohmann::json;

constexpr std::pair<std::string_view, SeccompAction> kActions[] = {
    {"SCMP_ACT_ALLOW", SeccompAction::Allow},
    {"SCMP_ACT_ERRNO", SeccompAction::Errno},
    {"SCMP_ACT_KILL", SeccompAction::KillThread},
    {"SCMP_ACT_KILL_THREAD", SeccompAction::KillThread},
    {"SCMP_ACT_KILL_PROCESS", SeccompAction::KillProcess},
    {"SCMP_ACT_TRAP", SeccompAction::Trap},
    {"SCMP_ACT_TRACE", SeccompAction::Trace},
    {"SCMP_ACT_LOG", SeccompAction::Log},
};

constexpr std::pair<std::string_view, SeccompOp> kOps[] = {
    {"SCMP_CMP_NE", SeccompOp::NotEqual},           {"SCMP_CMP_LT", SeccompOp::LessThan},
    {"SCMP_CMP_LE", SeccompOp::LessEqual},          {"SCMP_CMP_EQ", SeccompOp::Equal},
    {"SCMP_CMP_GE", SeccompOp::GreaterEqual},       {"SCMP_CMP_GT", SeccompOp::GreaterThan},
    {"SCMP_CMP_MASKED_EQ", SeccompOp::MaskedEqual},
};

// Collects the first problem as "<file>: field <path>: <what>".
class Decoder {
 public:
  explicit Decoder(std::string file) : file_(std::move(file)) {}

  bool failed() const { return error_.has_value(); }
  Error error() const { return *error_; }

  void fail(const std::string& field, const std::string& what) {
    if (!error_) error_ = Error::msg(file_ + ": field " + field + ": " + what);
  }

  std::optional<std::string> string(const json& j, const std::string& field) {
    if (!j.is_string()) return fail(field, "expected a string, got " + dumpJson(j)), std::nullopt;
    return j.get<std::string>();
  }

  std::optional<uint64_t> number(const json& j, const std::string& field) {
    if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<int64_t>() >= 0)) {
      return fail(field, "expected a non-negative integer, got " + dumpJson(j)), std::nullopt;
    }
    return j.get<uint64_t>();
  }

  std::optional<uint32_t> errnoValue(const json& j, const std::string& field) {
    auto n = number(j, field);
    if (n && *n > 4095)
      return fail(field, std::to_string(*n) + " is not an errno (0-4095)"), std::nullopt;
    return n ? std::optional<uint32_t>(static_cast<uint32_t>(*n)) : std::nullopt;
  }

  std::optional<SeccompAction> action(const json& j, const std::string& field) {
    auto name = string(j, field);
    if (!name) return std::nullopt;
    if (auto a = seccompActionFromName(*name)) return a;
    if (*name == "SCMP_ACT_NOTIFY") {
      return fail(field, "\"SCMP_ACT_NOTIFY\" is not supported (no seccomp agent)"), std::nullopt;
    }
    return fail(field, "unknown action \"" + *name + "\""), std::nullopt;
  }

  std::optional<SeccompArg> arg(const json& j, const std::string& field) {
    if (!j.is_object()) return fail(field, "expected an object"), std::nullopt;
    SeccompArg a;
    auto index = number(j.value("index", json()), field + ".index");
    if (index && *index > 5) fail(field + ".index", std::to_string(*index) + " is not 0-5");
    a.index = static_cast<unsigned>(index.value_or(0));
    if (j.contains("value")) a.value = number(j["value"], field + ".value").value_or(0);
    if (j.contains("valueTwo")) a.valueTwo = number(j["valueTwo"], field + ".valueTwo").value_or(0);
    auto op = string(j.value("op", json()), field + ".op");
    if (!op) return std::nullopt;
    for (const auto& [n, o] : kOps)
      if (n == *op) a.op = o;
    if (std::none_of(std::begin(kOps), std::end(kOps), [&](auto& p) { return p.first == *op; })) {
      fail(field + ".op", "unknown operator \"" + *op + "\"");
    }
    return failed() ? std::nullopt : std::optional<SeccompArg>(a);
  }

  std::optional<SeccompRule> rule(const json& j, const std::string& field) {
    if (!j.is_object()) return fail(field, "expected an object"), std::nullopt;
    for (const char* unsupported : {"includes", "excludes"}) {
      if (j.contains(unsupported)) {
        fail(field + "." + unsupported,
             "Docker's conditional rules are not part of the OCI format; list the syscalls "
             "this container may use instead");
      }
    }
    SeccompRule r;
    const json names = j.value("names", json());
    if (!names.is_array() || names.empty()) fail(field + ".names", "expected a non-empty array");
    for (size_t i = 0; names.is_array() && i < names.size(); ++i) {
      const std::string at = field + ".names[" + std::to_string(i) + "]";
      if (auto n = string(names[i], at)) {
        if (n->empty()) fail(at, "empty syscall name");
        r.names.push_back(*n);
      }
    }
    if (auto a = action(j.value("action", json()), field + ".action")) r.action = *a;
    if (j.contains("errnoRet")) r.errnoRet = errnoValue(j["errnoRet"], field + ".errnoRet");
    const json args = j.value("args", json::array());
    if (!args.is_array() && !args.is_null()) fail(field + ".args", "expected an array");
    for (size_t i = 0; args.is_array() && i < args.size(); ++i) {
      if (auto a = arg(args[i], field + ".args[" + std::to_string(i) + "]")) r.args.push_back(*a);
    }
    return failed() ? std::nullopt : std::optional<SeccompRule>(std::move(r));
  }

 private:
  std::string file_;
  std::optional<Error> error_;
};

}  // namespace

std::optional<SeccompAction> seccompActionFromName(std::string_view name) {
  for (const auto& [n, a] : kActions)
    if (n == name) return a;
  return std::nullopt;
}

Result<SeccompProfile> decodeSeccompProfile(std::string_view text, const std::string& file) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return failMsg(file + ": not valid JSON");
  if (!j.is_object()) return failMsg(file + ": expected a JSON object");
  Decoder d(file);
  SeccompProfile p;
  if (!j.contains("defaultAction")) {
    d.fail("defaultAction", "missing");
  } else if (auto a = d.action(j["defaultAction"], "defaultAction")) {
    p.defaultAction = *a;
  }
  if (j.contains("defaultErrnoRet"))
    p.defaultErrnoRet = d.errnoValue(j["defaultErrnoRet"], "defaultErrnoRet");
  if (j.contains("listenerPath")) d.fail("listenerPath", "seccomp notify is not supported");
  const json arches = j.value("architectures", json::array());
  if (!arches.is_array() && !arches.is_null()) d.fail("architectures", "expected an array");
  for (size_t i = 0; arches.is_array() && i < arches.size(); ++i) {
    if (auto a = d.string(arches[i], "architectures[" + std::to_string(i) + "]")) {
      p.architectures.push_back(*a);
    }
  }
  const json syscalls = j.value("syscalls", json::array());
  if (!syscalls.is_array() && !syscalls.is_null()) d.fail("syscalls", "expected an array");
  for (size_t i = 0; syscalls.is_array() && i < syscalls.size(); ++i) {
    if (auto r = d.rule(syscalls[i], "syscalls[" + std::to_string(i) + "]")) {
      p.syscalls.push_back(std::move(*r));
    }
  }
  if (d.failed()) return fail(d.error());
  return p;
}

Result<std::string> readLocalhostSeccompProfile(const std::string& root,
                                                const std::string& relative) {
  const std::string file = root + "/" + relative;
  if (relative.empty()) return failMsg("seccomp profile: localhostProfile is empty");
  if (relative.front() == '/') {
    return failMsg("seccomp profile \"" + relative + "\": must be relative to " + root);
  }
  UniqueFd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return failSys(errno, "seccomp profile root " + root);
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(sys::openat2(dir.get(), relative.c_str(), how));
  if (!fd.valid()) {
    if (errno == EXDEV) return failMsg("seccomp profile " + file + ": leaves " + root);
    return failSys(errno, "seccomp profile " + file);
  }
  std::string text;
  char buf[8192];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failSys(errno, "read seccomp profile " + file);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > (4 << 20)) return failMsg("seccomp profile " + file + ": larger than 4 MiB");
  }
  return text;
}

Result<SeccompProfile> loadLocalhostSeccompProfile(const std::string& root,
                                                   const std::string& relative) {
  auto text = readLocalhostSeccompProfile(root, relative);
  if (!text) return fail(text.error());
  return decodeSeccompProfile(*text, "seccomp profile " + root + "/" + relative);
}

}  // namespace podkeeper::runtime
