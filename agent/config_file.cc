#include "agent/config_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <type_traits>

#include "manifests/decode_context.h"
#include "manifests/yaml_documents.h"
#include "manifests/yaml_fields.h"

namespace podkeeper::agent {
namespace {

using manifests::detail::DecodeContext;
using manifests::detail::MapReader;

// One field of the file: its dotted name ("authentication.x509.clientCAFile"), the flags
// that override it, a line of help for the packaged file, and how it is read, written and
// copied. Rows are made by field() from an accessor; adding a field is one row.
struct ConfigField {
  std::string name;
  std::vector<std::string> flags;
  std::string help;
  std::function<void(MapReader&, const std::string& key, AgentConfig&)> read;
  std::function<std::string(const AgentConfig&)> render;  // one line of flow YAML
  std::function<void(const AgentConfig& from, AgentConfig& to)> copy;
};

std::string flowYaml(const std::function<void(YAML::Emitter&)>& write) {
  YAML::Emitter out;
  out << YAML::Flow;
  write(out);
  return out.c_str();
}

void readInto(MapReader& m, const std::string& key, std::string& out) { m.string(key, out); }
void readInto(MapReader& m, const std::string& key, bool& out) { m.boolean(key, out); }
void readInto(MapReader& m, const std::string& key, int64_t& out) { m.integer(key, out); }
void readInto(MapReader& m, const std::string& key, int& out) { m.integer32(key, out); }
void readInto(MapReader& m, const std::string& key, std::vector<std::string>& out) {
  if (!m.has(key)) return m.ignore({key.c_str()});
  out.clear();  // the file's list replaces the default one
  m.stringList(key, out);
}
void readInto(MapReader& m, const std::string& key, std::chrono::milliseconds& out) {
  auto node = m.take(key);
  std::string text;
  if (!node || !manifests::detail::readString(m.ctx(), *node, m.child(key), text)) return;
  if (auto d = parseGoDuration(text)) {
    out = *d;
    return;
  }
  m.ctx().error(*node, m.child(key),
                manifests::detail::quoteValue(text) +
                    " is not a duration (a number with a unit: 500ms, 10s, 1m30s, 1h)");
}
// NAME: QUANTITY, as --extended-resource NAME=QUANTITY.
void readInto(MapReader& m, const std::string& key, std::map<std::string, int64_t>& out) {
  if (!m.has(key)) return m.ignore({key.c_str()});
  std::map<std::string, std::string> values;
  m.scalarMap(key, values);
  manifests::AdmissionPolicy policy;
  for (const auto& [name, value] : values)
    if (auto why = manifests::addExtendedResource(name + "=" + value, policy); !why.empty())
      m.ctx().error(m.ctx().locate(m.child(key)), m.child(key) + "." + name, why);
  out = policy.extendedResources;
}

// The kubelet's map fields with its value syntax (evictionHard: {memory.available: 100Mi}):
// numbers are kept as written; the values are checked by validateConfig.
void readInto(MapReader& m, const std::string& key, std::map<std::string, std::string>& out) {
  if (!m.has(key)) return m.ignore({key.c_str()});
  out.clear();  // the file's map replaces the default one, as a flag does
  m.scalarMap(key, out);
}
// The kubelet's staticPodURLHeader: NAME: [VALUE, ...] (a single VALUE is taken too).
void readInto(MapReader& m, const std::string& key,
              std::vector<std::pair<std::string, std::string>>& out) {
  auto node = m.take(key);
  if (!node) return;
  auto& ctx = m.ctx();
  const std::string path = m.child(key);
  if (!node->IsMap()) {
    ctx.error(*node, path, "must be a mapping of header names to lists of values");
    return;
  }
  out.clear();
  for (const auto& kv : *node) {
    std::string name;
    if (!manifests::detail::readString(ctx, kv.first, path, name)) continue;
    const std::string at = path + "." + name;
    std::string value;
    if (kv.second.IsSequence()) {
      manifests::detail::forEachElement(ctx, kv.second, at,
                                        [&](const YAML::Node& e, const std::string& p) {
                                          if (manifests::detail::readString(ctx, e, p, value))
                                            out.emplace_back(name, value);
                                        });
    } else if (manifests::detail::readString(ctx, kv.second, at, value)) {
      out.emplace_back(name, value);
    }
  }
}

std::string renderValue(const std::string& v) {
  return flowYaml([&](YAML::Emitter& e) { e << YAML::DoubleQuoted << v; });
}
std::string renderValue(bool v) { return v ? "true" : "false"; }
std::string renderValue(int64_t v) { return std::to_string(v); }
std::string renderValue(int v) { return std::to_string(v); }
std::string renderValue(const std::vector<std::string>& v) {
  return flowYaml([&](YAML::Emitter& e) {
    e << YAML::BeginSeq;
    for (const auto& s : v) e << YAML::DoubleQuoted << s;
    e << YAML::EndSeq;
  });
}
std::string renderValue(std::chrono::milliseconds v) { return renderValue(formatGoDuration(v)); }
std::string renderValue(const std::map<std::string, int64_t>& v) {
  return flowYaml([&](YAML::Emitter& e) {
    e << YAML::BeginMap;
    for (const auto& [k, n] : v) e << YAML::Key << k << YAML::Value << n;
    e << YAML::EndMap;
  });
}

std::string renderValue(const std::map<std::string, std::string>& v) {
  return flowYaml([&](YAML::Emitter& e) {
    e << YAML::BeginMap;
    for (const auto& [k, s] : v) e << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << s;
    e << YAML::EndMap;
  });
}
std::string renderValue(const std::vector<std::pair<std::string, std::string>>& v) {
  std::map<std::string, std::vector<std::string>> byName;
  for (const auto& [k, s] : v) byName[k].push_back(s);
  return flowYaml([&](YAML::Emitter& e) {
    e << YAML::BeginMap;
    for (const auto& [k, values] : byName) {
      e << YAML::Key << k << YAML::Value << YAML::BeginSeq;
      for (const auto& s : values) e << YAML::DoubleQuoted << s;
      e << YAML::EndSeq;
    }
    e << YAML::EndMap;
  });
}

// get: a generic lambda `[](auto& c) -> auto& { return c.member; }`, for const and not.
template <class Get>
ConfigField field(std::string name, std::vector<std::string> flags, std::string help, Get get) {
  ConfigField f;
  f.name = std::move(name);
  f.flags = std::move(flags);
  f.help = std::move(help);
  f.read = [get](MapReader& m, const std::string& key, AgentConfig& c) {
    readInto(m, key, get(c));
  };
  f.render = [get](const AgentConfig& c) { return renderValue(get(c)); };
  f.copy = [get](const AgentConfig& from, AgentConfig& to) { get(to) = get(from); };
  return f;
}

#define PK_MEMBER(m) \
  [](auto& c) -> auto& { return c.m; }

// In file order. Nested names (a.b.c) must be next to the other rows of their group.
const std::vector<ConfigField>& fields() {
  static const std::vector<ConfigField> table = {
      field("staticPodPath", {"--manifest-dir"}, "Directory of Pod manifests to run",
            PK_MEMBER(manifestDir)),
      field("stateDir", {"--state-dir"}, "Runtime state (tmpfs), mode 0700", PK_MEMBER(stateDir)),
      field("rootDir", {"--root-dir"}, "Writable layers and emptyDirs (on disk), mode 0700",
            PK_MEMBER(rootDir)),
      field("imageDir", {"--image-dir"}, "Directory images NAME/TAG/rootfs and the image store",
            PK_MEMBER(imageDir)),
      field("podLogsDir", {"--log-dir"}, "Container logs (CRI format)", PK_MEMBER(logDir)),
      field("cgroupRoot", {"--cgroup-root"}, "Parent cgroup of all pods (a relative path)",
            PK_MEMBER(cgroupRoot)),
      field("cgroupMount", {"--cgroup-mount"}, "Where cgroupfs is mounted", PK_MEMBER(cgroupMount)),
      field("address", {"--address"}, "IP address of the HTTPS and the read-only port",
            PK_MEMBER(address)),
      field("port", {"--port"}, "HTTPS port: API, logs, metrics behind authentication (0 = off)",
            PK_MEMBER(port)),
      field("readOnlyPort", {"--read-only-port"},
            "Plain HTTP port: /metrics*, /healthz, /readyz only (0 = off)",
            PK_MEMBER(readOnlyPort)),
      field("readOnlyListen", {"--listen"},
            "HOST:PORT of the plain listener instead of address:readOnlyPort (\"\" = unset)",
            PK_MEMBER(listen)),
      field("tlsCertFile", {"--tls-cert-file"},
            "Serving certificate (PEM); \"\" = self-signed in rootDir/pki", PK_MEMBER(tlsCertFile)),
      field("tlsPrivateKeyFile", {"--tls-private-key-file"}, "Key of tlsCertFile (PEM)",
            PK_MEMBER(tlsPrivateKeyFile)),
      field("authentication.x509.clientCAFile", {"--client-ca-file"},
            "CA bundle for client certificates (user = CN, groups = O); \"\" = none",
            PK_MEMBER(clientCaFile)),
      field("tokenAuthFile", {"--token-auth-file"},
            "Bearer tokens, CSV token,user,uid,\"groups\" (reloaded on change); \"\" = none",
            PK_MEMBER(tokenAuthFile)),
      field("authorizationPolicyFile", {"--authorization-policy-file"},
            "YAML rules: users/groups -> metrics, pods, log, exec; \"\" = all authenticated",
            PK_MEMBER(authorizationPolicyFile)),
      field("anonymousMetrics", {"--anonymous-metrics"},
            "Serve /metrics* on the HTTPS port without credentials", PK_MEMBER(anonymousMetrics)),
      field("socketPath", {"--socket"}, "Unix socket of the API; \"\" = stateDir/podkeeper.sock",
            PK_MEMBER(socketPath)),
      field("shimPath", {"--shim"}, "podkeeper-shim; \"\" = next to the podkeeper binary",
            PK_MEMBER(shimPath)),
      field("syncFrequency", {"--resync"},
            "Time between resyncs (changed pods reconciled; every pod at every 6th)",
            PK_MEMBER(resyncInterval)),
      field("fileCheckFrequency", {"--relist"}, "Time between full relists of staticPodPath",
            PK_MEMBER(relistInterval)),
      field("logLevel", {"--log-level"}, "trace, debug, info, warn or error", PK_MEMBER(logLevel)),
      field("seccompProfileRoot", {"--seccomp-profile-root"},
            "Directory of seccompProfile type Localhost profiles", PK_MEMBER(seccompProfileRoot)),
      field("seccompDefault", {"--seccomp-default"},
            "RuntimeDefault seccomp for containers whose pod and container set none",
            PK_MEMBER(seccompDefault)),
      field("registryAuthFile", {"--registry-auth-file"},
            "Registry credentials (containers-auth.json); \"\" = the usual files",
            PK_MEMBER(registry.authFile)),
      field("insecureRegistries", {"--insecure-registry"},
            "HOST[:PORT] of registries reached over plain HTTP", PK_MEMBER(registry.insecure)),
      field("registryCertsDir", {"--registry-certs-dir"},
            "Per-registry TLS files: DIR/HOST[:PORT]/ca.crt, client.cert, client.key",
            PK_MEMBER(registry.certsDir)),
      field("allowedUnsafeSysctls", {"--allowed-unsafe-sysctls"},
            "Namespaced sysctls or prefixes (net.core.*) pods may set besides the safe ones",
            PK_MEMBER(admission.allowedUnsafeSysctls)),
      field("extendedResources", {"--extended-resource"},
            "NAME: QUANTITY extended resources the node advertises (example.com/dongle: 4)",
            PK_MEMBER(admission.extendedResources)),
      field("containerLogMaxSize", {"--container-log-max-size"},
            "Rotate a container's log past this size (a quantity)", PK_MEMBER(containerLogMaxSize)),
      field("containerLogMaxFiles", {"--container-log-max-files"},
            "Log files kept per container, the current one included",
            PK_MEMBER(containerLogMaxFiles)),
      field("podPidsLimit", {"--pod-pids-limit"},
            "Most processes and threads per pod (pids.max); -1 = unlimited",
            PK_MEMBER(podPidsLimit)),
      field("imageGCHighThresholdPercent", {"--image-gc-high-threshold"},
            "Image filesystem use (%) above which unused images are removed",
            PK_MEMBER(imageGcHighThresholdPercent)),
      field("imageGCLowThresholdPercent", {"--image-gc-low-threshold"},
            "Image filesystem use (%) the image GC frees down to",
            PK_MEMBER(imageGcLowThresholdPercent)),
      field("evictionHard", {"--eviction-hard"},
            "Hard eviction thresholds, SIGNAL: QUANTITY or PERCENT (evicted at once)",
            PK_MEMBER(evictionHard)),
      field("evictionSoft", {"--eviction-soft"},
            "Soft eviction thresholds, SIGNAL: QUANTITY or PERCENT (after their grace period)",
            PK_MEMBER(evictionSoft)),
      field("evictionSoftGracePeriod", {"--eviction-soft-grace-period"},
            "How long each soft threshold must be met before a pod is evicted, SIGNAL: 1m30s",
            PK_MEMBER(evictionSoftGracePeriod)),
      field("evictionMaxPodGracePeriod", {"--eviction-max-pod-grace-period"},
            "Longest grace period (s) of a pod evicted for a soft threshold (0 = the pod's own)",
            PK_MEMBER(evictionMaxPodGracePeriod)),
      field("evictionMinimumReclaim", {"--eviction-minimum-reclaim"},
            "How far above its threshold a signal must get back, SIGNAL: QUANTITY or PERCENT",
            PK_MEMBER(evictionMinimumReclaim)),
      field("evictionPressureTransitionPeriod", {"--eviction-pressure-transition-period"},
            "How long a node condition stays true after its last threshold cleared",
            PK_MEMBER(evictionPressureTransitionPeriod)),
      field("evictionMonitoringInterval", {"--eviction-monitoring-interval"},
            "Time between measurements of the eviction signals",
            PK_MEMBER(evictionMonitoringInterval)),
      field("serializeImagePulls", {"--serialize-image-pulls"},
            "Pull one image at a time (the kubelet's default)", PK_MEMBER(serializeImagePulls)),
      field("maxParallelImagePulls", {"--max-parallel-image-pulls"},
            "Most image pulls at once with serializeImagePulls false; 0 = not set (16)",
            PK_MEMBER(maxParallelImagePulls)),
      field("maximumDeadContainersPerContainer", {"--maximum-dead-containers-per-container"},
            "Earlier instances (their logs) kept per container; -1 = no limit",
            PK_MEMBER(maximumDeadContainersPerContainer)),
      field("maximumDeadContainers", {"--maximum-dead-containers"},
            "Earlier container instances kept on the node; -1 = no limit",
            PK_MEMBER(maximumDeadContainers)),
      field("minimumContainerTTLDuration", {"--minimum-container-ttl-duration"},
            "Age below which no dead container instance is collected (e.g. 0s, 1m)",
            PK_MEMBER(minimumContainerTtlDuration)),
      field("cniConfDir", {"--cni-conf-dir"},
            "CNI configuration: its first .conflist/.conf/.json in lexical order",
            PK_MEMBER(cniConfDir)),
      field("cniBinDirs", {"--cni-bin-dir"}, "CNI plugin directories, searched in order",
            PK_MEMBER(cniBinDirs)),
      field("cniPluginTimeoutSeconds", {"--cni-plugin-timeout"},
            "Seconds a pod's CNI ADD, CHECK or DEL may take before its plugin is killed",
            PK_MEMBER(cniPluginTimeoutSeconds)),
      field("cniRequireConfig", {"--cni-require-config"},
            "Without CNI configuration pods wait (NetworkPluginNotReady) instead of lo only",
            PK_MEMBER(cniRequireConfig)),
      field("userNamespaceRange", {"--userns-range"},
            "Host ids for hostUsers: false pods, FIRST:LENGTH (multiples of 65536)",
            PK_MEMBER(userNamespaceRange)),
      field("maxParallelStarts", {"--max-parallel-starts"},
            "Pods started or stopped at once off the loop; 0 = 4 per core (4 to 32)",
            PK_MEMBER(maxParallelStarts)),
      field("staticPodURL", {"--manifest-url"},
            "URL of Pod manifests, polled every fileCheckFrequency (\"\" = none)",
            PK_MEMBER(manifestUrl)),
      field("staticPodURLHeader", {"--manifest-url-header"},
            "Headers sent with every staticPodURL request, NAME: [VALUE, ...]",
            PK_MEMBER(manifestUrlHeaders)),
      field("etcdEndpoints", {"--etcd-endpoints"},
            "etcd members (http(s)://host:port) holding this node's pods; [] = none",
            PK_MEMBER(etcdEndpoints)),
      field("etcdPrefix", {"--etcd-prefix"}, "Key prefix of the fleet in etcd",
            PK_MEMBER(etcdPrefix)),
      field("etcdCAFile", {"--etcd-cacert"}, "CA bundle of the etcd members (https)",
            PK_MEMBER(etcdCaFile)),
      field("etcdCertFile", {"--etcd-cert"}, "Client certificate for etcd (PEM)",
            PK_MEMBER(etcdCertFile)),
      field("etcdKeyFile", {"--etcd-key"}, "Key of etcdCertFile (PEM)", PK_MEMBER(etcdKeyFile)),
      field("nodeName", {"--node-name"}, "This node's name; \"\" = the host name",
            PK_MEMBER(nodeName)),
  };
  return table;
}

#undef PK_MEMBER

std::vector<std::string> splitDots(const std::string& name) {
  std::vector<std::string> parts;
  std::stringstream in(name);
  for (std::string p; std::getline(in, p, '.');) parts.push_back(p);
  return parts;
}

manifests::Diagnostic positionOf(const DecodeContext& ctx, const YAML::Node& at,
                                 const std::string& name) {
  manifests::Diagnostic d;
  d.file = ctx.file();
  d.line = at.Mark().line >= 0 ? ctx.lineOffset() + at.Mark().line + 1 : 0;
  d.column = at.Mark().column >= 0 ? at.Mark().column + 1 : 0;
  d.field = name;
  return d;
}

// Reads the rows under `prefix` (their names' parts from `depth` on) from one mapping.
void decodeLevel(DecodeContext& ctx, MapReader& m, const std::vector<const ConfigField*>& rows,
                 size_t depth, ConfigFile& out) {
  std::vector<std::string> groupsDone;
  for (const ConfigField* row : rows) {
    const auto parts = splitDots(row->name);
    const std::string& key = parts[depth];
    if (depth + 1 == parts.size()) {
      if (m.has(key)) out.positions[row->name] = positionOf(ctx, m.node()[key], row->name);
      row->read(m, key, out.config);
      continue;
    }
    if (std::find(groupsDone.begin(), groupsDone.end(), key) != groupsDone.end()) continue;
    groupsDone.push_back(key);
    std::vector<const ConfigField*> members;
    for (const ConfigField* r : rows) {
      const auto p = splitDots(r->name);
      if (p.size() > depth + 1 && p[depth] == key) members.push_back(r);
    }
    auto node = m.take(key);
    if (!node) continue;
    MapReader sub(ctx, *node, m.child(key));
    if (!sub.valid()) continue;
    decodeLevel(ctx, sub, members, depth + 1, out);
    sub.finishStrict();
  }
}

void checkHeader(MapReader& m) {
  std::string apiVersion, kind;
  m.string("apiVersion", apiVersion);
  m.string("kind", kind);
  const bool ours = apiVersion == kConfigApiVersion || apiVersion.empty();
  const bool kubelet = apiVersion == "kubelet.config.k8s.io/v1beta1";
  if (!ours && !kubelet)
    m.ctx().error(m.node()["apiVersion"], "apiVersion",
                  manifests::detail::quoteValue(apiVersion) + " is not " + kConfigApiVersion +
                      " (or the kubelet's kubelet.config.k8s.io/v1beta1)");
  if (!kind.empty() && kind != kConfigKind && kind != "KubeletConfiguration")
    m.ctx().error(m.node()["kind"], "kind",
                  manifests::detail::quoteValue(kind) + " is not " + kConfigKind +
                      " (or KubeletConfiguration)");
}

std::string oneLine(const std::string& s) {
  std::string out = s;
  for (auto& c : out)
    if (c == '\n') c = ' ';
  return out;
}

// The file as printConfig and configTemplate write it: groups opened as the rows need them.
std::string render(const AgentConfig& c, bool commented) {
  std::string out;
  const std::string mark = commented ? "# " : "";
  out += mark + "apiVersion: " + kConfigApiVersion + "\n";
  out += mark + "kind: " + kConfigKind + "\n";
  std::vector<std::string> open;
  for (const auto& row : fields()) {
    auto parts = splitDots(row.name);
    size_t common = 0;
    while (common < open.size() && common + 1 < parts.size() && open[common] == parts[common])
      ++common;
    open.resize(common);
    for (size_t i = common; i + 1 < parts.size(); ++i) {
      out += mark + std::string(2 * i, ' ') + parts[i] + ":\n";
      open.push_back(parts[i]);
    }
    const std::string indent(2 * (parts.size() - 1), ' ');
    if (commented) {
      std::string flags;
      for (const auto& f : row.flags) flags += (flags.empty() ? "" : ", ") + f;
      out += "#\n# " + indent + "# " + row.help + " (flag " + flags + ")\n";
    }
    out += mark + indent + parts.back() + ": " + oneLine(row.render(c)) + "\n";
  }
  return out;
}

const ConfigField* rowForFlag(const std::string& flag) {
  for (const auto& row : fields())
    for (const auto& f : row.flags)
      if (f == flag) return &row;
  return nullptr;
}

}  // namespace

bool ConfigFile::ok() const {
  for (const auto& d : diagnostics)
    if (d.severity == manifests::Diagnostic::Severity::Error) return false;
  return true;
}

std::string ConfigFile::errors() const {
  std::string out;
  for (const auto& d : diagnostics) out += d.str() + "\n";
  return out;
}

ConfigFile decodeConfigFile(const std::string& path, std::string_view contents) {
  ConfigFile out;
  out.path = path;
  DecodeContext ctx(path, out.diagnostics);
  if (contents.find('\0') != std::string_view::npos) {
    ctx.error(YAML::Mark::null_mark(), "", "contains a NUL byte: not a YAML configuration file");
    return out;
  }
  try {
    const YAML::Node doc = manifests::detail::loadSingleDocument(std::string(contents));
    if (doc.IsNull()) return out;  // empty, or only comments: the defaults
    MapReader top(ctx, doc, "");
    if (!top.valid()) return out;
    checkHeader(top);
    std::vector<const ConfigField*> rows;
    for (const auto& row : fields()) rows.push_back(&row);
    decodeLevel(ctx, top, rows, 0, out);
    top.finishStrict();
  } catch (const YAML::Exception& e) {
    ctx.error(e.mark, "", "not valid YAML: " + e.msg);
  } catch (const std::exception& e) {  // a decoder bug: the file is refused, nothing crashes
    ctx.error(YAML::Mark::null_mark(), "", std::string("internal error: ") + e.what());
  }
  return out;
}

ConfigFile loadConfigFile(const std::string& path, bool named) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    ConfigFile none;
    if (!named && err == ENOENT) return none;
    manifests::Diagnostic d;
    d.file = path;
    d.message = std::string("cannot read the configuration file: ") + std::strerror(err);
    none.path = path;
    none.diagnostics.push_back(d);
    return none;
  }
  std::stringstream text;
  text << in.rdbuf();
  return decodeConfigFile(path, text.str());
}

AgentConfig applyFlags(const ConfigFile& file, const AgentConfig& flags,
                       const std::function<bool(const std::string&)>& given) {
  AgentConfig out = file.config;
  for (const auto& row : fields())
    for (const auto& f : row.flags)
      if (given(f)) row.copy(flags, out);
  // Not a setting: what the host enforces, found at start.
  out.admission.appArmorEnabled = flags.admission.appArmorEnabled;
  out.admission.seLinuxEnabled = flags.admission.seLinuxEnabled;
  return out;
}

std::string locateConfigError(const ConfigFile& file, const std::string& message,
                              const std::function<bool(const std::string&)>& given) {
  if (message.rfind("--", 0) != 0) return message;
  const size_t end = message.find_first_of(": ");
  const std::string flag = message.substr(0, end);
  const ConfigField* row = rowForFlag(flag);
  if (!row || given(flag)) return message;
  auto at = file.positions.find(row->name);
  if (at == file.positions.end()) return message;
  manifests::Diagnostic d = at->second;
  d.message = message[end] == ':' ? message.substr(std::min(end + 2, message.size())) : message;
  return d.str();
}

std::string printConfig(const AgentConfig& config) { return render(config, false); }

std::string configTemplate() {
  return "# podkeeper's configuration (podkeeper run --config FILE; this file is the default).\n"
         "# Every field is shown at its default; uncomment and change what you need. Flags\n"
         "# given to `podkeeper run` override the file. `podkeeper config print` shows the\n"
         "# configuration in effect. Unknown fields and bad values stop the agent with\n"
         "# FILE:LINE:COL and the field's name. Durations as the kubelet writes them (10s,\n"
         "# 1m30s); kind: KubeletConfiguration with apiVersion kubelet.config.k8s.io/v1beta1\n"
         "# is accepted too, with the same fields.\n" +
         render(AgentConfig{}, true);
}

std::vector<std::string> configFileFlags() {
  std::vector<std::string> out;
  for (const auto& row : fields()) out.insert(out.end(), row.flags.begin(), row.flags.end());
  return out;
}

std::optional<std::chrono::milliseconds> parseGoDuration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty()) return std::nullopt;
  bool negative = false;
  if (text.front() == '-' || text.front() == '+') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  long double totalMs = 0;
  while (!text.empty()) {
    size_t i = 0;
    long double value = 0;
    bool digits = false;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
      value = value * 10 + (text[i++] - '0'), digits = true;
    if (i < text.size() && text[i] == '.') {
      long double scale = 0.1L;
      for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
        value += (text[i] - '0') * scale, scale /= 10, digits = true;
    }
    if (!digits) return std::nullopt;
    size_t unitEnd = i;
    while (unitEnd < text.size() && !std::isdigit(static_cast<unsigned char>(text[unitEnd])) &&
           text[unitEnd] != '.')
      ++unitEnd;
    const std::string_view unit = text.substr(i, unitEnd - i);
    long double perUnitMs = 0;
    if (unit == "ns")
      perUnitMs = 1e-6L;
    else if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs")
      perUnitMs = 1e-3L;
    else if (unit == "ms")
      perUnitMs = 1;
    else if (unit == "s")
      perUnitMs = 1000;
    else if (unit == "m")
      perUnitMs = 60'000;
    else if (unit == "h")
      perUnitMs = 3'600'000;
    else
      return std::nullopt;
    totalMs += value * perUnitMs;
    if (totalMs > static_cast<long double>(std::numeric_limits<int64_t>::max() / 2))
      return std::nullopt;
    text.remove_prefix(unitEnd);
  }
  const auto ms = static_cast<int64_t>(totalMs);
  return std::chrono::milliseconds(negative ? -ms : ms);
}

std::string formatGoDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string sign = ms < 0 ? "-" : "";
  if (ms < 0) ms = -ms;
  if (ms < 1000) return sign + std::to_string(ms) + "ms";
  const int64_t h = ms / 3'600'000, m = ms / 60'000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
  std::string secs = std::to_string(s);
  if (frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, 3 - f.size(), '0');
    while (f.back() == '0') f.pop_back();
    secs += "." + f;
  }
  std::string out = sign;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  return out + secs + "s";
}

}  // namespace podkeeper::agent
