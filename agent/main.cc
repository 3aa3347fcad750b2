#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "agent/agent.h"
#include "agent/cli/fleet_commands.h"
#include "agent/cli/image_commands.h"
#include "agent/cli/image_pull.h"
#include "agent/cli/pod_commands.h"
#include "agent/cli/registry_flags.h"
#include "agent/config_file.h"
#include "agent/validate_command.h"
#include "etcd/etcd_client.h"
#include "metrics/agent_metrics.h"
#include "sources/url_source.h"

namespace {

using podkeeper::agent::AgentConfig;

// podkeeper-shim is installed next to podkeeper.
std::string defaultShimPath() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "/usr/local/bin/podkeeper-shim";
  return (self.parent_path() / "podkeeper-shim").string();
}

// As the kubelet's AppArmor host check: the module loaded and enabled.
bool hostEnforcesAppArmor() {
  std::ifstream enabled("/sys/module/apparmor/parameters/enabled");
  std::string value;
  return enabled && std::getline(enabled, value) && value == "Y";
}

// The same admission flags on `run` and `validate`, so both admit the same pods.
void addAdmissionFlags(CLI::App& cmd, podkeeper::manifests::AdmissionPolicy& policy) {
  cmd.add_option("--allowed-unsafe-sysctls", policy.allowedUnsafeSysctls,
                 "Comma-separated namespaced sysctls or prefixes (net.core.*) pods may set "
                 "besides the safe ones, as the kubelet's flag")
      ->delimiter(',');
  cmd.add_option_function<std::vector<std::string>>(
      "--extended-resource",
      [&policy](const std::vector<std::string>& flags) {
        for (const auto& f : flags)
          if (auto why = podkeeper::manifests::addExtendedResource(f, policy); !why.empty())
            throw CLI::ValidationError(why);
      },
      "NAME=QUANTITY: an extended resource the node advertises (example.com/dongle=4); "
      "repeatable. Pods requesting more than is left are refused with OutOf<NAME>");
}

// Node-pressure eviction, with the kubelet's flag names and syntax; a flag replaces the
// whole map (an empty value turns those thresholds off).
void addEvictionFlags(CLI::App& run, AgentConfig& c) {
  auto mapFlag = [&run](const std::string& flag, std::map<std::string, std::string>& into, char op,
                        const std::string& help) {
    run.add_option_function<std::string>(
        flag,
        [flag, &into, op](const std::string& text) {
          auto m = podkeeper::reconciler::parseEvictionFlag(flag, text, op);
          if (!m) throw CLI::ValidationError(m.error().message);
          into = std::move(*m);
        },
        help);
  };
  mapFlag("--eviction-hard", c.evictionHard, '<',
          "Hard eviction thresholds, e.g. memory.available<100Mi,nodefs.available<10% "
          "(default memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,"
          "imagefs.available<15%)");
  mapFlag("--eviction-soft", c.evictionSoft, '<',
          "Soft eviction thresholds, e.g. memory.available<1.5Gi (each needs a grace period)");
  mapFlag("--eviction-soft-grace-period", c.evictionSoftGracePeriod, '=',
          "How long a soft threshold must hold before pods are evicted, e.g. "
          "memory.available=1m30s");
  mapFlag("--eviction-minimum-reclaim", c.evictionMinimumReclaim, '=',
          "How much more than the threshold an eviction reclaims, e.g. memory.available=0Mi,"
          "nodefs.available=500Mi");
  run.add_option("--eviction-max-pod-grace-period", c.evictionMaxPodGracePeriod,
                 "Longest grace period (seconds) of a pod evicted for a soft threshold")
      ->capture_default_str();
  run.add_option("--eviction-pressure-transition-period", c.evictionPressureTransitionPeriod,
                 "How long a node condition stays true after its pressure ended")
      ->capture_default_str();
  run.add_option("--eviction-monitoring-interval", c.evictionMonitoringInterval,
                 "How often node pressure is measured")
      ->capture_default_str();
}

void addRunFlags(CLI::App& run, AgentConfig& c, int& resyncSeconds, int& relistSeconds) {
  run.add_option("--manifest-dir", c.manifestDir, "Directory of Pod manifests to run")
      ->capture_default_str();
  run.add_option("--state-dir", c.stateDir, "Runtime state (tmpfs)")->capture_default_str();
  run.add_option("--root-dir", c.rootDir, "Writable layers and emptyDirs (on disk)")
      ->capture_default_str();
  run.add_option("--image-dir", c.imageDir,
                 "Images: directory images <dir>/NAME/TAG/rootfs and the image store <dir>/.store")
      ->capture_default_str();
  run.add_option("--log-dir", c.logDir, "Container logs (CRI format)")->capture_default_str();
  run.add_option("--cgroup-root", c.cgroupRoot, "Parent cgroup of all pods")->capture_default_str();
  run.add_option("--address", c.address, "IP address of the HTTPS and the read-only port")
      ->capture_default_str();
  run.add_option("--port", c.port,
                 "HTTPS port: the API, logs and metrics behind authentication (0 = off)")
      ->capture_default_str();
  run.add_option("--read-only-port", c.readOnlyPort,
                 "Plain HTTP port: /metrics*, /healthz, /readyz only (0 = off)")
      ->capture_default_str();
  run.add_option("--listen", c.listen,
                 "HOST:PORT of the plain read-only listener (instead of --address and "
                 "--read-only-port)");
  run.add_option("--tls-cert-file", c.tlsCertFile,
                 "Serving certificate (PEM); default: self-signed in ROOT-DIR/pki");
  run.add_option("--tls-private-key-file", c.tlsPrivateKeyFile, "Key of --tls-cert-file (PEM)");
  run.add_option("--client-ca-file", c.clientCaFile,
                 "CA bundle for client certificates (user = CN, groups = O)");
  run.add_option("--token-auth-file", c.tokenAuthFile,
                 "Bearer tokens, CSV token,user,uid,\"group1,group2\" (reloaded on change)");
  run.add_option("--authorization-policy-file", c.authorizationPolicyFile,
                 "YAML rules: users/groups -> metrics, pods, log, exec (default: every "
                 "authenticated user may do everything)");
  run.add_flag("--anonymous-metrics", c.anonymousMetrics,
               "Serve /metrics* on the HTTPS port without credentials");
  run.add_option("--socket", c.socketPath,
                 "Unix socket for the API (default STATE-DIR/podkeeper.sock)");
  run.add_option("--cgroup-mount", c.cgroupMount, "Where cgroupfs is mounted")
      ->capture_default_str();
  run.add_option("--shim", c.shimPath, "Path of podkeeper-shim (default: next to podkeeper)");
  run.add_option("--resync", resyncSeconds,
                 "Seconds between resyncs (the pods whose state changed are reconciled, every pod "
                 "at every 6th)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  run.add_option("--relist", relistSeconds, "Seconds between full manifest relists")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  run.add_option("--userns-range", c.userNamespaceRange,
                 "Host ids for hostUsers: false pods, FIRST:LENGTH as in /etc/subuid "
                 "(multiples of 65536; each pod gets 65536)")
      ->capture_default_str();
  run.add_option("--seccomp-profile-root", c.seccompProfileRoot,
                 "Directory of seccompProfile type Localhost profiles (OCI JSON)")
      ->capture_default_str();
  run.add_flag("--seccomp-default", c.seccompDefault,
               "RuntimeDefault seccomp for containers whose pod and container set no profile");
  run.add_option("--container-log-max-size", c.containerLogMaxSize,
                 "Rotate a container's log past this size (a quantity, e.g. 10Mi)")
      ->capture_default_str();
  run.add_option("--container-log-max-files", c.containerLogMaxFiles,
                 "Log files kept per container, the current one included")
      ->capture_default_str();
  run.add_option("--pod-pids-limit", c.podPidsLimit,
                 "Most processes and threads a pod may have (pids.max); -1 = unlimited")
      ->capture_default_str();
  run.add_option("--image-gc-high-threshold", c.imageGcHighThresholdPercent,
                 "Percent of the image filesystem used above which unused images are removed")
      ->capture_default_str();
  run.add_option("--image-gc-low-threshold", c.imageGcLowThresholdPercent,
                 "Percent of the image filesystem the image GC frees down to")
      ->capture_default_str();
  run.add_option("--cni-conf-dir", c.cniConfDir,
                 "CNI network configuration: its first .conflist/.conf/.json in lexical order")
      ->capture_default_str()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  run.add_option("--cni-bin-dir", c.cniBinDirs, "CNI plugin directories, comma-separated")
      ->capture_default_str()
      ->delimiter(',');
  run.add_option("--cni-plugin-timeout", c.cniPluginTimeoutSeconds,
                 "Seconds a pod's CNI ADD, CHECK or DEL may take before its plugin is killed")
      ->capture_default_str();
  run.add_flag("--cni-require-config", c.cniRequireConfig,
               "Without a CNI configuration, pods wait (NetworkPluginNotReady) instead of "
               "running with only lo");
  run.add_option("--log-level", c.logLevel, "trace, debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  run.add_option("--max-parallel-starts", c.maxParallelStarts,
                 "Pods started or stopped at once, off the agent's loop (0 = 4 per core, "
                 "4 to 32)")
      ->capture_default_str();
  addEvictionFlags(run, c);
  // Image pulls (the kubelet's flags).
  run.add_option("--serialize-image-pulls", c.serializeImagePulls,
                 "Pull one image at a time (true or false)")
      ->capture_default_str();
  run.add_option("--max-parallel-image-pulls", c.maxParallelImagePulls,
                 "Most image pulls at once when --serialize-image-pulls=false (0 = not set: 16)")
      ->capture_default_str();
  // Dead containers (the kubelet's garbage collection flags).
  run.add_option("--maximum-dead-containers-per-container", c.maximumDeadContainersPerContainer,
                 "Earlier instances of a container (their logs) kept; -1 = no limit")
      ->capture_default_str();
  run.add_option("--maximum-dead-containers", c.maximumDeadContainers,
                 "Earlier container instances kept on the node; -1 = no limit")
      ->capture_default_str();
  run.add_option("--minimum-container-ttl-duration", c.minimumContainerTtlDuration,
                 "Age below which no dead container instance is collected (e.g. 0s, 1m)")
      ->capture_default_str();

  // fleet (issue 18): manifest sources besides the directory.
  run.add_option("--manifest-url", c.manifestUrl,
                 "URL of Pod manifests (one Pod, a v1 List or multi-document YAML), polled "
                 "every --relist seconds; merged with --manifest-dir");
  run.add_option_function<std::vector<std::string>>(
      "--manifest-url-header",
      [&c](const std::vector<std::string>& flags) {
        for (const auto& f : flags) {
          auto h = podkeeper::sources::parseUrlHeader(f);
          if (!h) throw CLI::ValidationError(h.error().message);
          c.manifestUrlHeaders.push_back(*h);
        }
      },
      "Key:Value header sent with every --manifest-url request; repeatable");
  run.add_option_function<std::string>(
      "--etcd-endpoints",
      [&c](const std::string& flag) {
        auto e = podkeeper::etcd::parseEndpoints(flag);
        if (!e) throw CLI::ValidationError(e.error().message);
        c.etcdEndpoints = *e;
      },
      "etcd members, comma-separated http(s)://host:port: run the pods under "
      "PREFIX/nodes/NODE/pods/ and PREFIX/all/pods/");
  run.add_option("--etcd-prefix", c.etcdPrefix, "Key prefix of the fleet in etcd")
      ->capture_default_str();
  run.add_option("--etcd-cacert", c.etcdCaFile, "CA bundle of the etcd members (https)");
  run.add_option("--etcd-cert", c.etcdCertFile, "Client certificate for etcd (PEM)");
  run.add_option("--etcd-key", c.etcdKeyFile, "Key of --etcd-cert (PEM)");
  run.add_option("--node-name", c.nodeName, "This node's name (default: the host name)");
}

// The configuration file (--config) of `run` and `config print`: the file, then the flags
// given on the command line over it. Problems are printed; nullopt then.
std::optional<AgentConfig> effectiveConfig(const AgentConfig& flags, CLI::App& cmd,
                                           const std::string& path, bool named) {
  const auto file = podkeeper::agent::loadConfigFile(path, named);
  if (!file.ok()) {
    std::cerr << file.errors() << "podkeeper: configuration file " << path
              << " refused; nothing was started\n";
    return std::nullopt;
  }
  auto given = [&cmd](const std::string& flag) { return cmd.count(flag) > 0; };
  AgentConfig config = podkeeper::agent::applyFlags(file, flags, given);
  if (config.shimPath.empty()) config.shimPath = defaultShimPath();
  if (auto r = podkeeper::agent::validateConfig(config); !r) {
    std::cerr << "podkeeper " << cmd.get_name() << ": "
              << podkeeper::agent::locateConfigError(file, r.error().message, given) << "\n";
    return std::nullopt;
  }
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"podkeeper: a node agent that runs Kubernetes Pod manifests from a directory"};
  app.require_subcommand(1);
  app.set_version_flag("--version", podkeeper::metrics::buildVersion());
  // --config before or after the subcommand: `podkeeper --config F run` = `podkeeper run
  // --config F`.
  std::string configPath = podkeeper::agent::kDefaultConfigFile;
  auto* configFlag = app.add_option("--config", configPath,
                                    "Configuration file (KubeletConfiguration-shaped YAML; a "
                                    "missing default file means the defaults)")
                         ->capture_default_str();

  AgentConfig config;
  int resyncSeconds = 10, relistSeconds = 20;
  auto* run = app.add_subcommand("run", "Run the pods of the manifest directory (foreground)");
  addRunFlags(*run, config, resyncSeconds, relistSeconds);
  addAdmissionFlags(*run, config.admission);
  podkeeper::cli::addRegistryFlags(*run, config.registry);
  std::string subConfigPath;
  auto* runConfigFlag = run->add_option("--config", subConfigPath, "Configuration file");

  auto* version = app.add_subcommand("version", "Print podkeeper's version");
  auto* configCmd = app.add_subcommand("config", "The agent's configuration file");
  configCmd->require_subcommand(1);
  auto* print = configCmd->add_subcommand(
      "print", "Print the configuration `run` would use (the file, the defaults, the flags)");
  addRunFlags(*print, config, resyncSeconds, relistSeconds);
  addAdmissionFlags(*print, config.admission);
  podkeeper::cli::addRegistryFlags(*print, config.registry);
  auto* printConfigFlag = print->add_option("--config", subConfigPath, "Configuration file");
  auto* defaults = configCmd->add_subcommand(
      "default", "Print the packaged configuration file: every field, commented out");
  std::vector<std::string> files;
  std::string output;
  auto* validate = app.add_subcommand("validate", "Check manifests; print problems or the pods");
  validate->add_option("-o,--output", output, "json: print the defaulted pods")
      ->check(CLI::IsMember({"json"}));
  validate->add_option("files", files, "Manifest files")->required();
  podkeeper::manifests::AdmissionPolicy validatePolicy;
  addAdmissionFlags(*validate, validatePolicy);

  podkeeper::cli::PodCommands podCommands(app);
  podkeeper::cli::FleetCommands fleetCommands(app);
  podkeeper::cli::ImageCommands imageCommands(app);
  // `image pull` joins the other image commands (it works on the store directly too).
  podkeeper::cli::ImagePullArgs pullArgs;
  auto* pull = podkeeper::cli::addImagePullCommand(*app.get_subcommand("image"), pullArgs);

  CLI11_PARSE(app, argc, argv);
  config.admission.appArmorEnabled = validatePolicy.appArmorEnabled = hostEnforcesAppArmor();
  config.admission.seLinuxEnabled = std::filesystem::exists("/sys/fs/selinux/enforce");

  if (version->parsed()) {
    std::cout << "podkeeper " << podkeeper::metrics::buildVersion() << "\n";
    return 0;
  }
  if (defaults->parsed()) {
    std::cout << podkeeper::agent::configTemplate();
    return 0;
  }
  if (podCommands.parsed()) return podCommands.run(std::cout, std::cerr);
  if (fleetCommands.parsed()) return fleetCommands.run(std::cout, std::cerr);
  if (pull->parsed())
    return podkeeper::cli::runImagePull(pullArgs, std::cout, std::cerr, ::isatty(1) == 1);
  if (imageCommands.parsed()) return imageCommands.run(std::cout, std::cerr);

  if (validate->parsed()) {
    if (auto why =
            podkeeper::manifests::checkAllowedUnsafeSysctls(validatePolicy.allowedUnsafeSysctls);
        !why.empty()) {
      std::cerr << "podkeeper validate: " << why << "\n";
      return 2;
    }
    return podkeeper::agent::runValidate(files, output == "json", std::cout, std::cerr,
                                         validatePolicy);
  }

  CLI::App& cmd = print->parsed() ? *print : *run;
  const bool named =
      configFlag->count() > 0 || runConfigFlag->count() > 0 || printConfigFlag->count() > 0;
  if (!subConfigPath.empty()) configPath = subConfigPath;
  config.resyncInterval = std::chrono::seconds(resyncSeconds);
  config.relistInterval = std::chrono::seconds(relistSeconds);
  auto effective = effectiveConfig(config, cmd, configPath, named);
  if (!effective) return 2;
  if (print->parsed()) {
    std::cout << podkeeper::agent::printConfig(*effective);
    return 0;
  }

  spdlog::set_level(spdlog::level::from_str(effective->logLevel));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  if (::geteuid() != 0) spdlog::warn("not running as root: namespaces and cgroups will fail");
  if (auto r = podkeeper::agent::runAgent(*effective); !r) {
    spdlog::critical("{}", r.error().message);
    return 1;
  }
  return 0;
}
