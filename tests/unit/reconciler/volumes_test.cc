#include <gtest/gtest.h>

#include "manifests/admission.h"
#include "reconciler/reconciler.h"
#include "reconciler/runtime_specs.h"
#include "tests/support/fake_image_service.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/test_pods.h"

// Volumes as the reconciler maps and drives them: subPath(Expr), fsGroup, hostPath checks
// before anything starts, downwardAPI files kept up to date with the pod's metadata.
namespace podkeeper::reconciler {
namespace {

using testing::container;

NodePaths paths() { return {"/logs", "pk", "node1", "10.1.2.3", 4000, int64_t(8) << 30}; }

manifests::DecodedPod podWithVolume(manifests::VolumeMount mount) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.volumes = {{"data", manifests::EmptyDirVolumeSource{}, {}, {}, {}, {}}};
  auto& c = pod.pod.spec.containers[0];
  c.env = {{"POD", "web", std::nullopt}, {"EMPTY", "", std::nullopt}, {"UP", "..", std::nullopt}};
  mount.name = "data";
  mount.mountPath = "/data";
  c.volumeMounts = {mount};
  return pod;
}

manifests::VolumeMount expr(const std::string& e) {
  manifests::VolumeMount m;
  m.subPathExpr = e;
  return m;
}

TEST(SubPath, PlainSubPathIsPassedOn) {
  manifests::VolumeMount m;
  m.subPath = "a/b";
  auto pod = podWithVolume(m);
  auto spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->mounts[0].subPath, "a/b");
  EXPECT_EQ(spec->mounts[0].volume, "data");
}

TEST(SubPathExpr, ExpandsFromTheContainersEnv) {
  auto pod = podWithVolume(expr("logs/$(POD)/x"));
  auto spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->mounts[0].subPath, "logs/web/x");
}

TEST(SubPathExpr, UnknownOrEmptyVariableIsAnErrorNamingFieldAndVariable) {
  for (const char* e : {"$(NOPE)", "$(EMPTY)/x"}) {
    auto pod = podWithVolume(expr(e));
    auto spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
    ASSERT_FALSE(spec) << e;
    EXPECT_NE(spec.error().message.find("spec.containers[0].volumeMounts[0].subPathExpr"),
              std::string::npos)
        << spec.error().message;
    EXPECT_NE(spec.error().message.find("missing value for"), std::string::npos);
  }
}

TEST(SubPathExpr, ExpansionThatLeavesTheVolumeIsRefusedNamingTheValue) {
  auto up = podWithVolume(expr("$(UP)/etc"));
  auto spec = containerSpec(up, up.pod.spec.containers[0], paths(), 0);
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message.find("\"../etc\", which must not contain '..'"), std::string::npos)
      << spec.error().message;
  auto pod = podWithVolume(expr("$(POD)"));
  pod.pod.spec.containers[0].env[0].value = "/abs";
  spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message.find("\"/abs\", which must be a relative path"), std::string::npos)
      << spec.error().message;
}

TEST(DownwardAPIMount, IsAlwaysReadOnly) {
  auto pod = testing::pod("web", {container("app")});
  manifests::DownwardAPIVolumeSource src;
  pod.pod.spec.volumes = {{"info", {}, {}, src, {}, {}}};
  pod.pod.spec.containers[0].volumeMounts = {{"info", "/info", false, "", "", "", ""}};
  auto spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->mounts[0].emptyDir, "info");
  EXPECT_TRUE(spec->mounts[0].readOnly);
}

TEST(FsGroup, JoinsEveryContainersGroupsAndOwnsThePodsVolumes) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.securityContext.supplementalGroups = {5};
  pod.pod.spec.securityContext.fsGroup = 2000;
  auto spec = containerSpec(pod, pod.pod.spec.containers[0], paths(), 0);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->supplementalGroups, (std::vector<int64_t>{5, 2000}));
  EXPECT_EQ(sandboxSpec(pod, paths()).fsGroup, 2000);
}

TEST(HostPathVolumes, AreListedWithTheirTypeForTheChecks) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.volumes = {
      {"sock", {}, manifests::HostPathVolumeSource{"/run/x.sock", "Socket"}, {}, {}, {}}};
  auto s = sandboxSpec(pod, paths());
  ASSERT_EQ(s.hostPaths.size(), 1u);
  EXPECT_EQ(s.hostPaths[0].name, "sock");
  EXPECT_EQ(s.hostPaths[0].path, "/run/x.sock");
  EXPECT_EQ(s.hostPaths[0].type, "Socket");
}

TEST(UnsupportedFields, VolumeFeaturesAreNoLongerRefused) {
  auto pod = podWithVolume(expr("$(POD)"));
  pod.pod.spec.securityContext.fsGroup = 1;
  pod.pod.spec.volumes.push_back({"info", {}, {}, manifests::DownwardAPIVolumeSource{}, {}, {}});
  EXPECT_TRUE(manifests::admit(pod.pod, {}).admitted());
}

class ReconcilerVolumes : public ::testing::Test {
 protected:
  void SetUp() override {
    reconciler_ = std::make_unique<Reconciler>(runtime_, images_, clock_, paths());
  }

  void want(const manifests::DecodedPod& pod) { reconciler_->setDesired({{"default/web", pod}}); }
  bool reconcile() { return reconciler_->reconcile("default/web").has_value(); }

  manifests::DecodedPod podWithLabels(const std::string& tier) {
    auto pod = testing::pod("web", {container("app")});
    pod.pod.metadata.labels = {{"tier", tier}};
    manifests::DownwardAPIVolumeSource src;
    src.items = {{"labels", manifests::ObjectFieldSelector{"metadata.labels"}, {}, {}}};
    pod.pod.spec.volumes = {{"info", {}, {}, src, {}, {}}};
    return pod;
  }

  testing::FakeRuntime runtime_;
  testing::FakeImageService images_;
  testing::FakeClock clock_;
  std::unique_ptr<Reconciler> reconciler_;
};

TEST_F(ReconcilerVolumes, FailedHostPathCheckStartsNothingAndIsAFailedMountEvent) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.volumes = {
      {"d", {}, manifests::HostPathVolumeSource{"/x", "Directory"}, {}, {}, {}}};
  want(pod);
  runtime_.prepareVolumesError = Error::msg(
      "MountVolume.SetUp failed for volume \"d\": hostPath type check failed: /x is not a "
      "directory");
  EXPECT_FALSE(reconcile());
  EXPECT_TRUE(runtime_.calls.empty()) << runtime_.calls[0];
  const auto events = reconciler_->status().events().forPod("default/web");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, "FailedMount");
  EXPECT_EQ(events[0].type, "Warning");
  EXPECT_NE(events[0].message.find("/x is not a directory"), std::string::npos);

  runtime_.prepareVolumesError.reset();  // the directory appeared: the retry starts the pod
  EXPECT_TRUE(reconcile());
  EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"ensure uid-web", "start uid-web/app"}));
}

TEST_F(ReconcilerVolumes, DownwardAPIFilesAreRenderedIntoTheSandbox) {
  want(podWithLabels("front"));
  ASSERT_TRUE(reconcile());
  ASSERT_EQ(runtime_.ensured.size(), 1u);
  ASSERT_EQ(runtime_.ensured[0].downwardAPIs.size(), 1u);
  EXPECT_EQ(runtime_.ensured[0].downwardAPIs[0].name, "info");
  EXPECT_EQ(runtime_.ensured[0].downwardAPIs[0].files,
            (std::vector<runtime::DownwardAPIFile>{{"labels", "tier=\"front\"", 0644}}));
  EXPECT_TRUE(runtime_.downwardUpdates.empty()) << "just written by ensureSandbox";
}

TEST_F(ReconcilerVolumes, LabelChangeRewritesTheFilesOnceAndRestartsNothing) {
  want(podWithLabels("front"));
  ASSERT_TRUE(reconcile());
  runtime_.calls.clear();
  want(podWithLabels("back"));
  ASSERT_TRUE(reconcile());
  ASSERT_TRUE(reconcile());  // a resync with nothing new writes nothing
  EXPECT_TRUE(runtime_.calls.empty()) << runtime_.calls[0];
  ASSERT_EQ(runtime_.downwardUpdates.size(), 1u);
  EXPECT_EQ(runtime_.downwardUpdates[0].downwardAPIs[0].files[0].content, "tier=\"back\"");
}

}  // namespace
}  // namespace podkeeper::reconciler
