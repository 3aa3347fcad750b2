#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

// The Pod model: what podkeeper understands of a Kubernetes Pod manifest, after decoding
// and defaulting. Plain values, no YAML types, so every layer above can use it.
// This header must stay C++20 and free of <expected>: the fuzz build uses clang 14.
// Field names follow the Kubernetes API so a reader of one can read the other.
namespace podkeeper::manifests {

struct ResourceList {
  std::optional<int64_t> cpuMilli;     // "500m" -> 500, "2" -> 2000
  std::optional<int64_t> memoryBytes;  // "64Mi" -> 67108864
  std::optional<int64_t> ephemeralStorageBytes;
  // Extended resources the node may advertise (example.com/dongle: 2), whole numbers.
  std::map<std::string, int64_t> extended;
  bool operator==(const ResourceList&) const = default;
};

struct ResourceRequirements {
  ResourceList requests;
  ResourceList limits;
  bool operator==(const ResourceRequirements&) const = default;
};

// resizePolicy: whether a change of this resource needs the container restarted
// (in-place pod resize, KEP-1287).
struct ContainerResizePolicy {
  std::string resourceName;   // cpu, memory
  std::string restartPolicy;  // NotRequired, RestartContainer
  bool operator==(const ContainerResizePolicy&) const = default;
};

// Downward API: resolved at container start (see env_expansion.h), because status.podIP and
// spec.nodeName are not known when the manifest is decoded.
struct ObjectFieldSelector {
  std::string fieldPath;  // metadata.name, metadata.labels['k'], status.podIP, ...
  bool operator==(const ObjectFieldSelector&) const = default;
};

struct ResourceFieldSelector {
  std::string containerName;  // empty in env: the container itself
  std::string resource;       // limits.cpu, requests.memory, ...
  std::string divisor = "1";  // a quantity, as written
  bool operator==(const ResourceFieldSelector&) const = default;
};

// A key of an env file in an emptyDir volume (Kubernetes EnvFiles): read when the container
// starts, so an init container can write the file.
struct FileKeySelector {
  std::string volumeName;
  std::string path;  // relative to the volume
  std::string key;
  bool optional = false;  // true: a missing file or key leaves the variable unset
  bool operator==(const FileKeySelector&) const = default;
};

struct EnvVarSource {
  std::optional<ObjectFieldSelector> fieldRef;
  std::optional<ResourceFieldSelector> resourceFieldRef;
  std::optional<FileKeySelector> fileKeyRef;
  bool operator==(const EnvVarSource&) const = default;
};

struct EnvVar {
  std::string name;
  std::string value;  // as written; $(VAR) references are expanded at start
  std::optional<EnvVarSource> valueFrom;
  bool operator==(const EnvVar&) const = default;
};

struct ContainerPort {
  std::string name;
  int32_t containerPort = 0;
  std::string protocol = "TCP";
  int32_t hostPort = 0;  // 0: not published
  bool operator==(const ContainerPort&) const = default;
};

struct VolumeMount {
  std::string name;
  std::string mountPath;
  bool readOnly = false;
  std::string subPath;
  std::string subPathExpr;
  // "", None, HostToContainer (rslave), Bidirectional (rshared; privileged containers only).
  std::string mountPropagation;
  // "", Disabled, IfPossible, Enabled: whether submounts of a readOnly volume are read-only
  // too. podkeeper makes them read-only unless Disabled is written out (see README).
  std::string recursiveReadOnly;
  bool operator==(const VolumeMount&) const = default;
};

// A port given by number or by the name of a container port.
struct PortRef {
  int32_t number = 0;
  std::string name;
  bool operator==(const PortRef&) const = default;
};

struct ExecAction {
  std::vector<std::string> command;
  bool operator==(const ExecAction&) const = default;
};

struct HTTPHeader {
  std::string name;
  std::string value;
  bool operator==(const HTTPHeader&) const = default;
};

struct HTTPGetAction {
  std::string path = "/";
  PortRef port;
  std::string host;
  std::string scheme = "HTTP";
  std::vector<HTTPHeader> httpHeaders;
  bool operator==(const HTTPGetAction&) const = default;
};

struct TCPSocketAction {
  PortRef port;
  std::string host;
  bool operator==(const TCPSocketAction&) const = default;
};

// gRPC health checking protocol (grpc.health.v1.Health/Check) on a port of the pod.
struct GRPCAction {
  int32_t port = 0;
  std::optional<std::string> service;  // sent as "" when unset
  bool operator==(const GRPCAction&) const = default;
};

struct SleepAction {
  int64_t seconds = 0;
  bool operator==(const SleepAction&) const = default;
};

// Exactly one member is set after validation.
struct ProbeHandler {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> httpGet;
  std::optional<TCPSocketAction> tcpSocket;
  std::optional<GRPCAction> grpc;
  bool operator==(const ProbeHandler&) const = default;
};

struct Probe {
  ProbeHandler handler;
  int32_t initialDelaySeconds = 0;
  int32_t timeoutSeconds = 1;
  int32_t periodSeconds = 10;
  int32_t successThreshold = 1;
  int32_t failureThreshold = 3;
  std::optional<int64_t> terminationGracePeriodSeconds;
  bool operator==(const Probe&) const = default;
};

// Exactly one member is set after validation.
struct LifecycleHandler {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> httpGet;
  std::optional<SleepAction> sleep;
  // Accepted by the API for backward compatibility and never run: the kubelet fails the hook
  // (FailedPostStartHook / FailedPreStopHook) as it does.
  std::optional<TCPSocketAction> tcpSocket;
  bool operator==(const LifecycleHandler&) const = default;
};

struct Lifecycle {
  std::optional<LifecycleHandler> postStart;
  std::optional<LifecycleHandler> preStop;
  std::string stopSignal;  // ContainerStopSignals: "SIGUSR1"...; "" = the image's, else SIGTERM
  bool operator==(const Lifecycle&) const = default;
};

struct Capabilities {
  std::vector<std::string> add;  // as written, e.g. NET_ADMIN
  std::vector<std::string> drop;
  bool operator==(const Capabilities&) const = default;
};

struct SeccompProfile {
  std::string type;  // RuntimeDefault, Unconfined, Localhost
  std::string localhostProfile;
  bool operator==(const SeccompProfile&) const = default;
};

struct AppArmorProfile {
  std::string type;  // RuntimeDefault, Unconfined, Localhost
  std::string localhostProfile;
  bool operator==(const AppArmorProfile&) const = default;
};

// seLinuxOptions: accepted and not applied, as containerd and runc do on a host without
// SELinux (this node has none); the agent says so once per pod.
struct SELinuxOptions {
  std::string user, role, type, level;
  bool operator==(const SELinuxOptions&) const = default;
};

struct SecurityContext {
  std::optional<bool> privileged;
  std::optional<Capabilities> capabilities;
  std::optional<bool> readOnlyRootFilesystem;
  std::optional<int64_t> runAsUser;
  std::optional<int64_t> runAsGroup;
  std::optional<bool> runAsNonRoot;
  std::optional<bool> allowPrivilegeEscalation;
  std::optional<SeccompProfile> seccompProfile;
  std::optional<AppArmorProfile> appArmorProfile;
  std::string procMount;  // "", Default, Unmasked
  std::optional<SELinuxOptions> seLinuxOptions;
  bool operator==(const SecurityContext&) const = default;
};

// restartPolicyRules (the ContainerRestartRules feature): action Restart when the exit code is
// In / NotIn the values.
struct ContainerRestartRuleOnExitCodes {
  std::string op;  // "In", "NotIn" (the API's "operator")
  std::vector<int32_t> values;
  bool operator==(const ContainerRestartRuleOnExitCodes&) const = default;
};

struct ContainerRestartRule {
  std::string action;  // "Restart"
  std::optional<ContainerRestartRuleOnExitCodes> exitCodes;
  bool operator==(const ContainerRestartRule&) const = default;
};

struct Container {
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::vector<EnvVar> env;
  std::string workingDir;
  ResourceRequirements resources;
  std::vector<ContainerResizePolicy> resizePolicy;  // as written; unset resources: NotRequired
  std::string imagePullPolicy;  // defaulted as Kubernetes does; images are local anyway
  std::vector<ContainerPort> ports;
  std::vector<VolumeMount> volumeMounts;
  std::optional<Probe> livenessProbe;
  std::optional<Probe> readinessProbe;
  std::optional<Probe> startupProbe;
  std::optional<Lifecycle> lifecycle;
  std::string terminationMessagePath = "/dev/termination-log";
  std::string terminationMessagePolicy = "File";
  std::optional<SecurityContext> securityContext;
  // On an init container: "Always", a sidecar that keeps running beside the regular
  // containers (Kubernetes 1.29 native sidecars), or "OnFailure", "Never" with
  // restartPolicyRules. On a regular container: "", or "Always", "OnFailure", "Never" in place
  // of the pod's policy (ContainerRestartRules).
  std::string restartPolicy;
  // Attach (podkeeper attach): a stdin kept open by the shim, closed after the first attach
  // detaches when stdinOnce; a pty owned by the shim when tty.
  bool stdin = false;
  bool stdinOnce = false;
  bool tty = false;
  std::vector<ContainerRestartRule> restartPolicyRules;  // not on sidecars
  bool operator==(const Container&) const = default;
};

inline bool isSidecar(const Container& c) { return c.restartPolicy == "Always"; }

enum class RestartPolicy { Always, OnFailure, Never };

// Whether a regular container that exited with exitCode is started again, as the kubelet
// decides with ContainerRestartRules: the first rule whose exit codes match restarts it; else
// its own restartPolicy when set; else the pod's. Pure.
bool containerShouldRestart(const Container& c, RestartPolicy podPolicy, int exitCode);

struct HostAlias {
  std::string ip;
  std::vector<std::string> hostnames;
  bool operator==(const HostAlias&) const = default;
};

struct PodDNSConfigOption {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const PodDNSConfigOption&) const = default;
};

struct PodDNSConfig {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<PodDNSConfigOption> options;
  bool operator==(const PodDNSConfig&) const = default;
};

struct EmptyDirVolumeSource {
  std::string medium;  // "" (node disk) or Memory (tmpfs)
  std::optional<int64_t> sizeLimitBytes;
  bool operator==(const EmptyDirVolumeSource&) const = default;
};

struct HostPathVolumeSource {
  std::string path;
  std::string type;  // "", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, ...
  bool operator==(const HostPathVolumeSource&) const = default;
};

struct DownwardAPIVolumeFile {
  std::string path;
  std::optional<ObjectFieldSelector> fieldRef;
  std::optional<ResourceFieldSelector> resourceFieldRef;
  std::optional<int32_t> mode;
  bool operator==(const DownwardAPIVolumeFile&) const = default;
};

struct DownwardAPIVolumeSource {
  std::vector<DownwardAPIVolumeFile> items;
  int32_t defaultMode = 0644;
  bool operator==(const DownwardAPIVolumeSource&) const = default;
};

struct DownwardAPIProjection {
  std::vector<DownwardAPIVolumeFile> items;
  bool operator==(const DownwardAPIProjection&) const = default;
};

// One source of a projected volume. Only downwardAPI can be served without an API server;
// the other kinds (tokens, ConfigMaps, Secrets, ...) are refused when decoded.
struct VolumeProjection {
  std::optional<DownwardAPIProjection> downwardAPI;
  bool operator==(const VolumeProjection&) const = default;
};

struct ProjectedVolumeSource {
  std::vector<VolumeProjection> sources;
  int32_t defaultMode = 0644;
  bool operator==(const ProjectedVolumeSource&) const = default;
};

// Exactly one source is set after validation.
// volumes[].image (ImageVolume): an image's filesystem mounted read-only (and noexec), pulled
// as a container's image is.
struct ImageVolumeSource {
  std::string reference;
  std::string pullPolicy;  // defaulted as imagePullPolicy: Always for :latest, else IfNotPresent
  bool operator==(const ImageVolumeSource&) const = default;
};

struct Volume {
  std::string name;
  std::optional<EmptyDirVolumeSource> emptyDir;
  std::optional<HostPathVolumeSource> hostPath;
  std::optional<DownwardAPIVolumeSource> downwardAPI;
  std::optional<ProjectedVolumeSource> projected;
  std::optional<ImageVolumeSource> image;
  bool operator==(const Volume&) const = default;
};

struct Sysctl {
  std::string name;
  std::string value;
  bool operator==(const Sysctl&) const = default;
};

struct PodSecurityContext {
  std::optional<int64_t> runAsUser;
  std::optional<int64_t> runAsGroup;
  std::optional<bool> runAsNonRoot;
  std::vector<int64_t> supplementalGroups;
  std::optional<int64_t> fsGroup;
  std::string fsGroupChangePolicy;       // "", OnRootMismatch or Always ("" acts as Always)
  std::string supplementalGroupsPolicy;  // "", Merge or Strict ("" acts as Merge)
  std::vector<Sysctl> sysctls;
  std::optional<SeccompProfile> seccompProfile;
  std::optional<AppArmorProfile> appArmorProfile;
  std::optional<SELinuxOptions> seLinuxOptions;
  std::string seLinuxChangePolicy;  // "", Recursive, MountOption
  bool operator==(const PodSecurityContext&) const = default;
};

struct PodSpec {
  std::vector<Container> initContainers;
  std::vector<Container> containers;
  RestartPolicy restartPolicy = RestartPolicy::Always;
  int64_t terminationGracePeriodSeconds = 30;
  std::optional<int64_t> activeDeadlineSeconds;
  bool hostNetwork = false;
  bool hostPID = false;
  bool hostIPC = false;
  bool hostUsers = true;  // false: a user namespace of the pod's own
  // spec.os.name: "", linux or windows (validation); admission refuses any but linux with the
  // kubelet's PodOSNotSupported.
  std::string osName;
  bool shareProcessNamespace = false;
  std::string hostname;
  std::string subdomain;
  // Replaces the pod's hostname (and drops the subdomain) in its UTS namespace, as the
  // kubelet does with the HostnameOverride feature.
  std::optional<std::string> hostnameOverride;
  // The pod's uts hostname is its FQDN (<hostname>.<subdomain>.<namespace>.svc.cluster.local)
  // when it has a subdomain.
  bool setHostnameAsFQDN = false;
  // The pod's own field (the downward API reads it); no ServiceAccount object and no token.
  std::string serviceAccountName;
  std::optional<bool> automountServiceAccountToken;
  std::vector<HostAlias> hostAliases;
  std::string dnsPolicy = "ClusterFirst";
  std::optional<PodDNSConfig> dnsConfig;
  std::vector<Volume> volumes;
  PodSecurityContext securityContext;
  // Pod-level resources (cpu, memory): the pod cgroup's limits and the pod's QoS class.
  std::optional<ResourceRequirements> resources;
  bool enableServiceLinks = true;
  std::optional<int32_t> priority;
  std::string priorityClassName;
  std::string schedulerName = "default-scheduler";
  bool operator==(const PodSpec&) const = default;
};

struct ObjectMeta {
  std::string name;
  std::string namespace_ = "default";
  std::string uid;  // as written in the manifest; may be empty
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  bool operator==(const ObjectMeta&) const = default;
};

struct Pod {
  ObjectMeta metadata;
  PodSpec spec;
  bool operator==(const Pod&) const = default;
};

const char* toString(RestartPolicy p);

// What a downwardAPI or a projected volume (the items of its sources, in order, with its
// defaultMode) writes, as the kubelet projects it; nullopt for other volumes.
std::optional<DownwardAPIVolumeSource> downwardAPIFiles(const Volume& v);

// The hostname the pod's containers see: hostnameOverride, else hostname, else the pod's name.
std::string podHostname(const Pod& pod);

// The init or regular container of that name, or nullptr.
const Container* findContainer(const PodSpec& spec, const std::string& name);

}  // namespace podkeeper::manifests
