#include "reconciler/runtime_specs.h"

#include <gtest/gtest.h>

#include "manifests/admission.h"
#include "tests/support/test_pods.h"

namespace podkeeper::reconciler {
namespace {

using testing::container;

NodePaths paths() { return {"/logs", "pk", "node1", "10.1.2.3", 4000, int64_t(8) << 30}; }

// An image as the ImageService resolves it, run as `user`.
runtime::ResolvedImage imageRunAs(const std::string& user) {
  return {{"/images/busybox/latest/rootfs"}, user, {{"app", 1000, 1000, "/home/app"}}, {}};
}

TEST(SandboxSpec, PodPidsLimitGoesToThePodCgroup) {
  auto nodePaths = paths();
  nodePaths.podPidsLimit = 4096;
  EXPECT_EQ(sandboxSpec(testing::pod("web", {container("app")}), nodePaths).resources.pidsLimit,
            4096);
}

TEST(ContainerSpec, EnvGetsDownwardApiValuesAndArgsAreExpanded) {
  auto pod = testing::pod("web", {container("app")});
  auto& c = pod.pod.spec.containers[0];
  manifests::EnvVar name{"POD_NAME", "", manifests::EnvVarSource{}};
  name.valueFrom->fieldRef = manifests::ObjectFieldSelector{"metadata.name"};
  c.env = {name, {"GREETING", "hi $(POD_NAME)", std::nullopt}};
  c.args = {"$(GREETING)", "$$(GREETING)"};
  auto spec = containerSpec(pod, c, paths(), 0);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_NE(std::find(spec->env.begin(), spec->env.end(), "POD_NAME=web"), spec->env.end());
  EXPECT_NE(std::find(spec->env.begin(), spec->env.end(), "GREETING=hi web"), spec->env.end());
  EXPECT_EQ(spec->argv, (std::vector<std::string>{"sleep", "3600", "hi web", "$(GREETING)"}));
}

TEST(ContainerSpec, DefaultPathUnlessTheContainerSetsOne) {
  auto pod = testing::pod("web", {container("app")});
  auto spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->env[0].rfind("PATH=/usr/local/sbin", 0), 0u);
  pod.pod.spec.containers[0].env = {{"PATH", "/opt/bin", std::nullopt}};
  spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_TRUE(spec);
  EXPECT_EQ(std::count_if(spec->env.begin(), spec->env.end(),
                          [](const auto& e) { return e.rfind("PATH=", 0) == 0; }),
            1);
}

TEST(ContainerSpec, ContainerSecurityContextOverridesThePods) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.securityContext.runAsUser = 1000;
  pod.pod.spec.securityContext.runAsGroup = 1000;
  pod.pod.spec.securityContext.supplementalGroups = {5, 6};
  manifests::SecurityContext sc;
  sc.runAsUser = 2000;
  sc.capabilities = manifests::Capabilities{{"NET_ADMIN"}, {"KILL"}};
  sc.readOnlyRootFilesystem = true;
  pod.pod.spec.containers[0].securityContext = sc;
  auto spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->runAsUser, 2000);
  EXPECT_EQ(spec->runAsGroup, 1000);
  EXPECT_EQ(spec->supplementalGroups, (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(spec->capAdd, (std::vector<std::string>{"NET_ADMIN"}));
  EXPECT_EQ(spec->capDrop, (std::vector<std::string>{"KILL"}));
  EXPECT_TRUE(spec->readOnlyRootfs);
  EXPECT_FALSE(spec->allowPrivilegeEscalation) << "no_new_privs is the default";
}

TEST(ContainerSpec, RunAsNonRootWithoutAUserIsRefusedWithTheReason) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.securityContext.runAsNonRoot = true;
  auto spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message.find("runAsNonRoot"), std::string::npos);
  pod.pod.spec.securityContext.runAsUser = 1000;
  EXPECT_TRUE(containerSpec(pod, pod.pod.spec.containers[0], paths(), 0));
}

TEST(ContainerSpec, SeccompProfileOfTheContainerWinsOverThePods) {
  using Kind = runtime::SeccompSpec::Kind;
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.securityContext.seccompProfile = manifests::SeccompProfile{"RuntimeDefault", ""};
  auto spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->seccomp.kind, Kind::RuntimeDefault);
  manifests::SecurityContext sc;
  sc.seccompProfile = manifests::SeccompProfile{"Localhost", "profiles/app.json"};
  pod.pod.spec.containers[0].securityContext = sc;
  spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->seccomp, (runtime::SeccompSpec{Kind::Localhost, "/var/lib/podkeeper/seccomp",
                                                 "profiles/app.json"}));
}

TEST(ContainerSpec, SeccompDefaultAppliesOnlyWhenNothingIsSaid) {
  using Kind = runtime::SeccompSpec::Kind;
  auto pod = testing::pod("web", {container("app")});
  auto node = paths();
  EXPECT_EQ(containerSpec(pod, pod.pod.spec.containers[0], node, 0)->seccomp.kind,
            Kind::Unconfined);
  node.seccompDefault = true;
  EXPECT_EQ(containerSpec(pod, pod.pod.spec.containers[0], node, 0)->seccomp.kind,
            Kind::RuntimeDefault);
  manifests::SecurityContext sc;
  sc.seccompProfile = manifests::SeccompProfile{"Unconfined", ""};
  pod.pod.spec.containers[0].securityContext = sc;
  EXPECT_EQ(containerSpec(pod, pod.pod.spec.containers[0], node, 0)->seccomp.kind,
            Kind::Unconfined);
}

TEST(ContainerSpec, AppArmorProfileIsTheOneContainerdExecsInto) {
  auto pod = testing::pod("web", {container("app")});
  auto name = [&] {
    return containerSpec(pod, pod.pod.spec.containers[0], paths(), 0)->appArmorProfile;
  };
  EXPECT_EQ(name(), "");
  pod.pod.spec.securityContext.appArmorProfile = manifests::AppArmorProfile{"RuntimeDefault", ""};
  EXPECT_EQ(name(), "cri-containerd.apparmor.d");
  manifests::SecurityContext sc;
  sc.appArmorProfile = manifests::AppArmorProfile{"Localhost", "k8s-apparmor-example-deny-write"};
  pod.pod.spec.containers[0].securityContext = sc;
  EXPECT_EQ(name(), "k8s-apparmor-example-deny-write");
  sc.appArmorProfile = manifests::AppArmorProfile{"Unconfined", ""};
  pod.pod.spec.containers[0].securityContext = sc;
  EXPECT_EQ(name(), "");
  sc.appArmorProfile.reset();
  sc.privileged = true;  // containerd: RuntimeDefault does not confine a privileged container
  pod.pod.spec.containers[0].securityContext = sc;
  EXPECT_EQ(name(), "");
}

TEST(ContainerSpec, StrictSupplementalGroupsPolicyLeavesOutTheImagesGroups) {
  auto pod = testing::pod("web", {container("app")});
  EXPECT_FALSE(
      containerSpec(pod, pod.pod.spec.containers[0], paths(), 0)->strictSupplementalGroups);
  pod.pod.spec.securityContext.supplementalGroupsPolicy = "Strict";
  EXPECT_TRUE(containerSpec(pod, pod.pod.spec.containers[0], paths(), 0)->strictSupplementalGroups);
}

TEST(ContainerSpec, SeccompProfileIsNoLongerAnUnsupportedField) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.securityContext.seccompProfile = manifests::SeccompProfile{"RuntimeDefault", ""};
  EXPECT_TRUE(manifests::admit(pod.pod, {}).admitted());
}

TEST(ContainerSpec, RunAsNonRootRefusesImageRootWithTheKubeletsMessage) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.securityContext.runAsNonRoot = true;
  const auto& c = pod.pod.spec.containers[0];
  const std::string who = "(pod: \"web_default(" + pod.uid + ")\", container: app)";
  auto spec = containerSpec(pod, c, paths(), 0, imageRunAs("0:0"));
  ASSERT_FALSE(spec);
  EXPECT_NE(
      spec.error().message.find("container has runAsNonRoot and image will run as root " + who),
      std::string::npos)
      << spec.error().message;
  spec = containerSpec(pod, c, paths(), 0, imageRunAs("app"));
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message.find("container has runAsNonRoot and image has non-numeric user "
                                      "(app), cannot verify user is non-root " +
                                      who),
            std::string::npos)
      << spec.error().message;
  spec = containerSpec(pod, c, paths(), 0, imageRunAs("1000:1000"));
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->resolvedImage.user, "1000:1000");
  pod.pod.spec.securityContext.runAsUser = 0;
  spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0, imageRunAs("1000"));
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message.find("container's runAsUser breaks non-root policy " + who),
            std::string::npos);
}

TEST(ContainerSpec, CarriesTheResolvedImageAsIsForTheRuntime) {
  auto pod = testing::pod("web", {container("app")});
  auto spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0, imageRunAs("app"));
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->image, "busybox");
  EXPECT_EQ(spec->resolvedImage, imageRunAs("app"));
}

TEST(ContainerSpec, VolumeMountsBecomeBindMountsOfEmptyDirsAndHostPaths) {
  auto pod = testing::pod("web", {container("app")});
  manifests::Volume scratch{
      "scratch", manifests::EmptyDirVolumeSource{"Memory", 1 << 20}, {}, {}, {}, {}};
  manifests::Volume host{"host", {}, manifests::HostPathVolumeSource{"/var/data", "Directory"},
                         {},     {}, {}};
  pod.pod.spec.volumes = {scratch, host};
  pod.pod.spec.containers[0].volumeMounts = {{"scratch", "/scratch", false, "", "", "", ""},
                                             {"host", "/data", true, "", "", "", ""}};
  auto spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_TRUE(spec) << spec.error().message;
  ASSERT_EQ(spec->mounts.size(), 2u);
  EXPECT_EQ(spec->mounts[0].emptyDir, "scratch");
  EXPECT_EQ(spec->mounts[0].destination, "/scratch");
  EXPECT_EQ(spec->mounts[1].source, "/var/data");
  EXPECT_TRUE(spec->mounts[1].readOnly);
  auto sandbox = sandboxSpec(pod, paths());
  ASSERT_EQ(sandbox.emptyDirs.size(), 1u);
  EXPECT_TRUE(sandbox.emptyDirs[0].memory);
  EXPECT_EQ(sandbox.emptyDirs[0].sizeLimitBytes, 1 << 20);
}

TEST(ContainerSpec, OomScoreAdjFollowsTheKubeletPerQosClass) {
  auto guaranteed = testing::pod("g", {container("app", 100, 100, 1 << 20, 1 << 20)});
  auto best = testing::pod("b", {container("app")});
  auto burst = testing::pod("u", {container("app", 100, 200, int64_t(2) << 30, int64_t(4) << 30)});
  auto adj = [](const manifests::DecodedPod& p) {
    return containerSpec(p, p.pod.spec.containers[0], paths(), 0)->oomScoreAdj;
  };
  EXPECT_EQ(adj(guaranteed), -997);
  EXPECT_EQ(adj(best), 1000);
  EXPECT_EQ(adj(burst), 750);  // 2 GiB of an 8 GiB node
}

TEST(SandboxSpec, HostnameAndHostNamespacesComeFromTheSpec) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.hostname = "front";
  pod.pod.spec.hostNetwork = true;
  pod.pod.spec.hostAliases = {{"10.0.0.9", {"db", "db.local"}}};
  auto s = sandboxSpec(pod, paths());
  EXPECT_EQ(s.hostname, "front");
  EXPECT_TRUE(s.hostNetwork);
  ASSERT_EQ(s.hostAliases.size(), 1u);
  EXPECT_EQ(s.hostAliases[0].hostnames, (std::vector<std::string>{"db", "db.local"}));
}

TEST(SandboxSpec, HostnameOverrideWinsOverHostname) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.hostname = "front";
  pod.pod.spec.hostnameOverride = "node-a";
  EXPECT_EQ(sandboxSpec(pod, paths()).hostname, "node-a");
}

TEST(DownwardAPIVolumes, ProjectedVolumeIsRenderedWithItsDefaultModeAndMountedReadOnly) {
  auto pod = testing::pod("web", {container("app")});
  manifests::DownwardAPIVolumeFile name;
  name.path = "name";
  name.fieldRef = manifests::ObjectFieldSelector{"metadata.name"};
  manifests::DownwardAPIVolumeFile uid = name;
  uid.path = "dir/uid";
  uid.fieldRef = manifests::ObjectFieldSelector{"metadata.uid"};
  uid.mode = 0400;
  manifests::Volume v;
  v.name = "info";
  v.projected = manifests::ProjectedVolumeSource{
      {{manifests::DownwardAPIProjection{{name}}}, {manifests::DownwardAPIProjection{{uid}}}},
      0440};
  pod.pod.spec.volumes = {v};
  pod.pod.spec.containers[0].volumeMounts = {{"info", "/info", false, "", "", "", ""}};
  auto volumes = downwardAPIVolumes(pod, paths());
  ASSERT_TRUE(volumes) << volumes.error().message;
  ASSERT_EQ(volumes->size(), 1u);
  const auto& files = (*volumes)[0].files;
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].content, "web");
  EXPECT_EQ(files[0].mode, 0440);
  EXPECT_EQ(files[1].path, "dir/uid");
  EXPECT_EQ(files[1].content, "uid-web");
  EXPECT_EQ(files[1].mode, 0400);
  auto spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_TRUE(spec) << spec.error().message;
  ASSERT_EQ(spec->mounts.size(), 1u);
  EXPECT_TRUE(spec->mounts[0].readOnly);
  EXPECT_EQ(spec->mounts[0].emptyDir, "info");
}

// stdin, stdinOnce and tty go to the runtime as written; a tty container gets TERM=xterm as
// containerd's CRI plugin gives it, unless the image or the container set TERM.
TEST(ContainerSpec, StdinAndTtyAreCarriedAndATtyGetsTermXterm) {
  auto pod = testing::pod("web", {container("app"), container("plain")});
  auto& c = pod.pod.spec.containers[0];
  c.stdin = true;
  c.stdinOnce = true;
  c.tty = true;
  auto spec = containerSpec(pod, c, paths(), 0);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_TRUE(spec->stdin);
  EXPECT_TRUE(spec->stdinOnce);
  EXPECT_TRUE(spec->tty);
  EXPECT_NE(std::find(spec->env.begin(), spec->env.end(), "TERM=xterm"), spec->env.end());

  auto plain = containerSpec(pod, pod.pod.spec.containers[1], paths(), 0);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_FALSE(plain->stdin || plain->stdinOnce || plain->tty);
  EXPECT_EQ(std::find_if(plain->env.begin(), plain->env.end(),
                         [](const std::string& e) { return e.starts_with("TERM="); }),
            plain->env.end());

  c.env = {{"TERM", "vt100", std::nullopt}};
  auto own = containerSpec(pod, c, paths(), 0);
  ASSERT_TRUE(own) << own.error().message;
  EXPECT_EQ(std::count_if(own->env.begin(), own->env.end(),
                          [](const std::string& e) { return e.starts_with("TERM="); }),
            1);
  EXPECT_NE(std::find(own->env.begin(), own->env.end(), "TERM=vt100"), own->env.end());
}

}  // namespace
}  // namespace podkeeper::reconciler
