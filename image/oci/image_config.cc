#include "image/oci/image_config.h"

#include <cerrno>
#include <charconv>
#include <csignal>
#include <nlohmann/json.hpp>
#include <utility>

#include "image/oci/digest.h"
#include "image/oci/manifest.h"

namespace podkeeper::image {
namespace {

using Json = nlohmann::json;

Error bad(const std::string& name, const std::string& field, const std::string& why) {
  return Error{EINVAL, "image config " + name + ": " + field + ": " + why};
}

Result<std::string> stringField(const Json& obj, const char* key, const std::string& name,
                                const std::string& field) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return fail(bad(name, field, "not a string"));
  return it->get<std::string>();
}

Result<std::vector<std::string>> stringList(const Json& obj, const char* key,
                                            const std::string& name, const std::string& field) {
  std::vector<std::string> out;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) return fail(bad(name, field, "not a list of strings"));
  for (size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string())
      return fail(bad(name, field + "[" + std::to_string(i) + "]", "not a string"));
    out.push_back((*it)[i].get<std::string>());
  }
  return out;
}

}  // namespace

Result<ImageConfig> parseImageConfig(std::string_view content, const std::string& name,
                                     bool requireDiffIds) {
  if (content.size() > kMaxConfigBytes)
    return fail(Error{EFBIG, "image config " + name + ": " + std::to_string(content.size()) +
                                 " bytes is over the limit of " + std::to_string(kMaxConfigBytes)});
  const Json j = Json::parse(content, nullptr, false);
  if (j.is_discarded()) return fail(bad(name, "(document)", "not valid JSON"));
  if (!j.is_object()) return fail(bad(name, "(document)", "not a JSON object"));
  ImageConfig c;
  auto os = stringField(j, "os", name, "os");
  if (!os) return fail(os.error());
  c.os = *os;
  auto arch = stringField(j, "architecture", name, "architecture");
  if (!arch) return fail(arch.error());
  c.architecture = *arch;
  if (const auto cfg = j.find("config"); cfg != j.end() && !cfg->is_null()) {
    if (!cfg->is_object()) return fail(bad(name, "config", "not an object"));
    for (auto [key, out] : {std::pair{"Entrypoint", &c.entrypoint}, std::pair{"Cmd", &c.cmd},
                            std::pair{"Env", &c.env}}) {
      auto v = stringList(*cfg, key, name, std::string("config.") + key);
      if (!v) return fail(v.error());
      *out = std::move(*v);
    }
    for (auto [key, out] : {std::pair{"WorkingDir", &c.workingDir}, std::pair{"User", &c.user},
                            std::pair{"StopSignal", &c.stopSignal}}) {
      auto v = stringField(*cfg, key, name, std::string("config.") + key);
      if (!v) return fail(v.error());
      *out = std::move(*v);
    }
    if (const auto l = cfg->find("Labels"); l != cfg->end() && !l->is_null()) {
      if (!l->is_object()) return fail(bad(name, "config.Labels", "not an object"));
      for (const auto& [k, v] : l->items()) {
        if (!v.is_string()) return fail(bad(name, "config.Labels." + k, "not a string"));
        c.labels[k] = v.get<std::string>();
      }
    }
    for (size_t i = 0; i < c.env.size(); ++i)
      if (c.env[i].find('=') == std::string::npos || c.env[i].starts_with("="))
        return fail(bad(name, "config.Env[" + std::to_string(i) + "]",
                        "\"" + c.env[i] + "\" is not NAME=value"));
  }
  const auto rootfs = j.find("rootfs");
  if (rootfs != j.end() && rootfs->is_object()) {
    auto ids = stringList(*rootfs, "diff_ids", name, "rootfs.diff_ids");
    if (!ids) return fail(ids.error());
    for (size_t i = 0; i < ids->size(); ++i)
      if (auto r = validateDigest((*ids)[i]); !r)
        return fail(bad(name, "rootfs.diff_ids[" + std::to_string(i) + "]", r.error().message));
    c.diffIds = std::move(*ids);
  } else if (requireDiffIds) {
    return fail(bad(name, "rootfs", "missing"));
  }
  return c;
}

Result<int> parseStopSignal(std::string_view signal) {
  static constexpr std::pair<std::string_view, int> kSignals[] = {
      {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},
      {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"BUS", SIGBUS},   {"FPE", SIGFPE},
      {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
      {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT},
      {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
      {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},
      {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
      {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS}};
  std::string_view name = signal;
  if (name.starts_with("SIG")) name.remove_prefix(3);
  for (const auto& [n, v] : kSignals)
    if (n == name) return v;
  int num = 0;
  const auto [end, ec] = std::from_chars(signal.data(), signal.data() + signal.size(), num);
  if (ec == std::errc() && end == signal.data() + signal.size() && num > 0 && num < NSIG)
    return num;
  return fail(Error{EINVAL, "StopSignal \"" + std::string(signal) + "\" is not a signal"});
}

std::vector<std::string> chainIds(const std::vector<std::string>& diffIds) {
  std::vector<std::string> out;
  for (const auto& d : diffIds) out.push_back(out.empty() ? d : sha256Digest(out.back() + " " + d));
  return out;
}

}  // namespace podkeeper::image
