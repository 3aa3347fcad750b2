#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>

#include "runtime/bundle/container_config.h"
#include "runtime/bundle/shim_protocol.h"
#include "runtime/bundle/state_dir.h"
#include "runtime/bundle/state_json.h"
#include "runtime/exit_status.h"
#include "runtime/init/cgroup_mounts.h"
#include "runtime/init/container_init.h"
#include "runtime/init/rootfs.h"
#include "runtime/sandbox/namespace_pins.h"
#include "runtime/sandbox/sandbox_files.h"
#include "runtime/sys/capabilities.h"
#include "runtime/sys/start_timeline.h"

namespace podkeeper::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

TEST(ShimConfigFromSpec, EmptyWorkingDirIsTheRoot) {
  ContainerSpec spec;
  spec.argv = {"sh"};
  EXPECT_EQ(shimConfigFromSpec(spec).workingDir, "/");
  spec.workingDir = "/app";
  EXPECT_EQ(shimConfigFromSpec(spec).workingDir, "/app");
}

TEST(ShimConfigFromSpec, NoNewPrivsUnlessEscalationIsAllowedOrPrivileged) {
  ContainerSpec spec;
  EXPECT_TRUE(shimConfigFromSpec(spec).noNewPrivileges);
  spec.allowPrivilegeEscalation = true;
  EXPECT_FALSE(shimConfigFromSpec(spec).noNewPrivileges);
  spec.allowPrivilegeEscalation = false;
  spec.privileged = true;
  EXPECT_FALSE(shimConfigFromSpec(spec).noNewPrivileges);
  EXPECT_TRUE(shimConfigFromSpec(spec).privileged);
}

TEST(ContainerUser, PrimaryGidFirstThenTheOthersSortedOnce) {
  ShimConfig cfg;
  EXPECT_EQ(containerUser(cfg), (ContainerUser{0, 0, {0}}));
  cfg.runAsUser = 1000;
  cfg.runAsGroup = 3000;
  cfg.supplementalGroups = {50000, 4000, 3000, 4000};
  EXPECT_EQ(containerUser(cfg), (ContainerUser{1000, 3000, {3000, 4000, 50000}}));
}

TEST(ContainerCapabilities, DefaultIsContainerdsSet) {
  auto caps = containerCapabilities({}, {}, false);
  ASSERT_TRUE(caps.has_value());
  EXPECT_THAT(*caps, UnorderedElementsAreArray(defaultCapabilities()));
  EXPECT_EQ(*capabilityMask(*caps), 0xa80425fbu);
}

TEST(ContainerCapabilities, AddAndDropAcceptCapPrefixAndAnyCase) {
  auto caps = containerCapabilities({"cap_net_admin"}, {"CAP_CHOWN", "kill"}, false);
  ASSERT_TRUE(caps.has_value());
  EXPECT_EQ(*capabilityMask(*caps), (0xa80425fbu | (1u << 12)) & ~1u & ~(1u << 5));
}

TEST(ContainerCapabilities, DropAllThenAddKeepsOnlyTheAdded) {
  auto caps = containerCapabilities({"NET_BIND_SERVICE"}, {"ALL"}, false);
  ASSERT_TRUE(caps.has_value());
  EXPECT_THAT(*caps, ElementsAre("NET_BIND_SERVICE"));
}

TEST(ContainerCapabilities, PrivilegedHasEveryCapability) {
  auto caps = containerCapabilities({}, {}, true);
  ASSERT_TRUE(caps.has_value());
  EXPECT_EQ(caps->size(), 41u);
}

TEST(ContainerCapabilities, UnknownNameIsAnErrorNamingIt) {
  auto caps = containerCapabilities({}, {"FLY"}, false);
  ASSERT_FALSE(caps.has_value());
  EXPECT_EQ(caps.error().message, "securityContext.capabilities.drop: unknown capability \"FLY\"");
}

TEST(ShimProtocol, OkReportCarriesBothPids) {
  const auto r = parseShimReport(formatShimStarted(10) + formatShimOk(10, 11));
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.shimPid, 10);
  EXPECT_EQ(r.containerPid, 11);
  EXPECT_FALSE(r.error.has_value());
}

TEST(ShimProtocol, OkReportMayCarryTheShimsTimeline) {
  const auto r =
      parseShimReport(formatShimStarted(10) + formatShimOk(10, 11, "shim.a=1.000\nshim.b=0.5"));
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.containerPid, 11);
  EXPECT_EQ(r.timeline, "shim.a=1.000 shim.b=0.5");
  EXPECT_FALSE(r.error.has_value());
  EXPECT_EQ(parseShimReport(formatShimOk(10, 11)).timeline, "");
}

TEST(StartTimeline, FormatsEachStageInMillisecondsInOrder) {
  StartTimeline t;
  t.mark("one");
  t.mark("two");
  const std::string text = t.format("shim.");
  EXPECT_THAT(text,
              ::testing::MatchesRegex("shim\\.one=[0-9]+\\.[0-9]{3} shim\\.two=[0-9]+\\.[0-9]{3}"));
  EXPECT_EQ(StartTimeline().format(), "");
}

TEST(StartTimeline, StagesPastTheLimitGoToTheLastOne) {
  StartTimeline t;
  for (size_t i = 0; i < StartTimeline::kMaxStages + 3; ++i) t.mark("s");
  const std::string text = t.format();
  EXPECT_EQ(std::count(text.begin(), text.end(), '='), long(StartTimeline::kMaxStages));
}

TEST(ShimProtocol, StartedLineAloneIsIncompleteButNamesTheShim) {
  const auto r = parseShimReport(formatShimStarted(10) + "ok 10");
  EXPECT_FALSE(r.complete());
  EXPECT_EQ(r.shimPid, 10);
}

TEST(ShimProtocol, ErrorKeepsItsMessageOnOneLine) {
  const auto r = parseShimReport(formatShimError("exec \"x\":\nNo such file"));
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(*r.error, "exec \"x\": No such file");
}

TEST(ShimProtocol, MalformedLineIsAnError) {
  const auto r = parseShimReport("ok ten 11\n");
  ASSERT_TRUE(r.error.has_value());
  EXPECT_THAT(*r.error, HasSubstr("malformed"));
}

TEST(ExitRecordFromWait, NormalExitKeepsItsCode) {
  const auto r = exitRecordFromWait(CLD_EXITED, 3, false, 1, 2);
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.startedAtNs, 1);
  EXPECT_EQ(r.finishedAtNs, 2);
}

TEST(ExitRecordFromWait, DeathBySignalIs128PlusSignal) {
  const auto r = exitRecordFromWait(CLD_KILLED, SIGKILL, true, 1, 2);
  EXPECT_EQ(r.exitCode, 137);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_TRUE(r.oomKilled);
}

TEST(OomKilledBetween, OnlyARisingCounterCounts) {
  EXPECT_TRUE(oomKilledBetween(2, 3));
  EXPECT_TRUE(oomKilledBetween(std::nullopt, 1));
  EXPECT_FALSE(oomKilledBetween(3, 3));
  EXPECT_FALSE(oomKilledBetween(3, std::nullopt));
}

TEST(ContainerEnvironment, AddsDefaultPathAndHostnameWhenMissing) {
  EXPECT_THAT(containerEnvironment({"A=1"}, "web"),
              ElementsAre("A=1", std::string("PATH=") + kDefaultPath, "HOSTNAME=web"));
  EXPECT_THAT(containerEnvironment({"PATH=/x", "HOSTNAME=h"}, "web"),
              ElementsAre("PATH=/x", "HOSTNAME=h"));
}

TEST(ExecutableCandidates, SearchesTheContainersPath) {
  EXPECT_THAT(executableCandidates("sh", {"PATH=/a:/b"}), ElementsAre("/a/sh", "/b/sh"));
  EXPECT_THAT(executableCandidates("sh", {"PATH=/a::/b"}), ElementsAre("/a/sh", "./sh", "/b/sh"));
  EXPECT_EQ(executableCandidates("sh", {}).size(), 6u);
  EXPECT_THAT(executableCandidates("./run", {"PATH=/a"}), ElementsAre("./run"));
}

TEST(OverlayOptions, NamesTheThreeLayers) {
  EXPECT_EQ(overlayOptions({"/l"}, "/u", "/w")->options, "lowerdir=/l,upperdir=/u,workdir=/w");
  EXPECT_EQ(overlayOptions({"/l2", "/l1"}, "/u", "/w")->options,
            "lowerdir=/l2:/l1,upperdir=/u,workdir=/w");
  EXPECT_FALSE(overlayOptions({}, "/u", "/w"));
}

TEST(OverlayOptions, EscapesSeparatorsInPaths) {
  EXPECT_EQ(overlayOptions({"/img/localhost:5000/x/1/rootfs"}, "/u,1", "/w")->options,
            "lowerdir=/img/localhost\\:5000/x/1/rootfs,upperdir=/u\\,1,workdir=/w");
}

TEST(OverlayOptions, ManyLongLayersAreNamedFromTheirCommonParent) {
  std::vector<std::string> lowers;
  const std::string root = "/var/lib/podkeeper/images/.store/snapshots/";
  for (int i = 0; i < 60; ++i)
    lowers.push_back(root + std::string(63, 'a') + std::to_string(i % 10));
  auto m = overlayOptions(lowers, "/u", "/w");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->chdir, "/var/lib/podkeeper/images/.store/snapshots");
  EXPECT_LE(m->options.size(), kMountOptionsMax);
  EXPECT_TRUE(m->options.starts_with("lowerdir=" + std::string(63, 'a') + "0:"));
  lowers.resize(200, lowers[0]);
  EXPECT_FALSE(overlayOptions(lowers, "/u", "/w"));
}

constexpr const char* kManagedHead =
    "# Kubernetes-managed hosts file.\n"
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "fe00::0\tip6-mcastprefix\n"
    "fe00::1\tip6-allnodes\n"
    "fe00::2\tip6-allrouters\n";

TEST(PodHostsFile, IsTheKubeletsManagedFileWithEachPodIP) {
  EXPECT_EQ(podHostsFile({"10.88.0.5", "fd00::5"}, "web-0", "", {}),
            std::string(kManagedHead) + "10.88.0.5\tweb-0\nfd00::5\tweb-0\n");
  EXPECT_EQ(
      podHostsFile({"10.88.0.5"}, "web-0", "nginx.default.svc.cluster.local", {}),
      std::string(kManagedHead) + "10.88.0.5\tweb-0.nginx.default.svc.cluster.local\tweb-0\n");
}

TEST(PodHostsFile, APodWithoutAnAddressResolvesItselfTo127011) {
  EXPECT_EQ(podHostsFile({}, "web-0", "", {}), std::string(kManagedHead) + "127.0.1.1\tweb-0\n");
}

TEST(PodHostsFile, HostAliasesAreTheKubeletsSection) {
  EXPECT_EQ(podHostsFile({"10.0.0.9"}, "p", "", {{"10.0.0.1", {"a", "b"}}, {"10.0.0.2", {"c"}}}),
            std::string(kManagedHead) +
                "10.0.0.9\tp\n\n# Entries added by HostAliases.\n10.0.0.1\ta\tb\n10.0.0.2\tc\n");
  EXPECT_EQ(hostNetworkHostsFile("127.0.0.1 node\n", {{"10.0.0.1", {"a"}}}),
            "# Kubernetes-managed hosts file (host network).\n127.0.0.1 node\n\n"
            "# Entries added by HostAliases.\n10.0.0.1\ta\n");
  EXPECT_EQ(hostNetworkHostsFile("x\n", {}),
            "# Kubernetes-managed hosts file (host network).\nx\n");
}

constexpr const char* kHybridMountinfo =
    "25 30 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
    "27 25 0:24 / /sys/fs/cgroup/systemd rw shared:11 - cgroup cgroup rw,xattr,name=systemd\n"
    "28 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw shared:12 - cgroup cgroup rw,cpu,cpuacct\n"
    "29 25 0:26 / /sys/fs/cgroup/memory rw shared:13 - cgroup cgroup rw,memory\n"
    "30 1 0:27 / /elsewhere rw shared:14 - cgroup cgroup rw,pids\n";

TEST(ContainerCgroupMounts, MirrorsTheHostsHybridLayout) {
  auto mounts = cgroup::parseMountinfo(kHybridMountinfo);
  ASSERT_TRUE(mounts.has_value()) << mounts.error().message;
  EXPECT_THAT(containerCgroupMounts(*mounts, "/sys/fs/cgroup"),
              ElementsAre(ContainerCgroupMount{"unified", "cgroup2", ""},
                          ContainerCgroupMount{"systemd", "cgroup", "name=systemd"},
                          ContainerCgroupMount{"cpu,cpuacct", "cgroup", "cpu,cpuacct"},
                          ContainerCgroupMount{"memory", "cgroup", "memory"}));
}

TEST(ContainerCgroupMounts, UnifiedOnlyHostIsOneCgroup2AtTheRoot) {
  auto mounts = cgroup::parseMountinfo(
      "25 30 0:22 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n");
  ASSERT_TRUE(mounts.has_value());
  EXPECT_THAT(containerCgroupMounts(*mounts, "/sys/fs/cgroup"),
              ElementsAre(ContainerCgroupMount{"", "cgroup2", ""}));
}

TEST(CheckCgroupPath, AcceptsRelativePathsOnly) {
  EXPECT_TRUE(checkCgroupPath("p", "podkeeper/burstable/podu1").has_value());
  for (const char* bad : {"", "/", "/abs", "a/", "a//b", "a/../b", "..", "./a"}) {
    EXPECT_FALSE(checkCgroupPath("p", bad).has_value()) << bad;
  }
}

TEST(TruncateHostname, CutsLongNamesTo63AndTrimsTrailingSeparators) {
  EXPECT_EQ(truncateHostname("web-0"), "web-0");
  EXPECT_EQ(truncateHostname(std::string(62, 'a') + "-b"), std::string(62, 'a'));
  EXPECT_EQ(truncateHostname(std::string(70, 'x')), std::string(63, 'x'));
}

TEST(SysctlNamespace, ClassifiesLikeTheKubelet) {
  EXPECT_EQ(sysctlNamespace("net.ipv4.ip_forward"), "net");
  EXPECT_EQ(sysctlNamespace("kernel.shmmax"), "ipc");
  EXPECT_EQ(sysctlNamespace("kernel.msgmax"), "ipc");
  EXPECT_EQ(sysctlNamespace("kernel.sem"), "ipc");
  EXPECT_EQ(sysctlNamespace("fs.mqueue.msg_max"), "ipc");
  EXPECT_EQ(sysctlNamespace("kernel.domainname"), "uts");
  EXPECT_EQ(sysctlNamespace("vm.swappiness"), "");
  EXPECT_EQ(sysctlNamespace("kernel.panic"), "");
}

TEST(SysctlPath, MapsDotsToDirectoriesAndRefusesEscapes) {
  EXPECT_EQ(*sysctlPath("net.ipv4.ip_forward"), "/proc/sys/net/ipv4/ip_forward");
  EXPECT_FALSE(sysctlPath("net/../../etc").has_value());
  EXPECT_FALSE(sysctlPath("net..x").has_value());
  EXPECT_FALSE(sysctlPath("").has_value());
}

TEST(PodNamespaceKinds, HostNetworkKeepsNetAndUtsHostIpcKeepsIpc) {
  SandboxRecord r;
  EXPECT_THAT(podNamespaceKinds(r), ElementsAre("net", "ipc", "uts"));
  r.hostNetwork = true;
  EXPECT_THAT(podNamespaceKinds(r), ElementsAre("ipc"));
  r.hostIPC = true;
  EXPECT_TRUE(podNamespaceKinds(r).empty());
}

}  // namespace
}  // namespace podkeeper::runtime
