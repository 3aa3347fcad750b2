#include "manifests/identity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "manifests/decode.h"
#include "test_util.h"

namespace podkeeper::manifests {
namespace {

using namespace testing::decoder_names;

std::string hashOf(const std::string& yaml) {
  DecodeResult r = decode(yaml);
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  return r.pods.empty() ? "" : r.pods[0].specHash;
}

const char* kFull = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  restartPolicy: OnFailure
  containers:
  - name: app
    image: busybox:1.36
    command: [sh, -c]
    args: ["sleep 1"]
    env: [{name: A, value: "1"}]
    ports: [{containerPort: 80}]
    resources: {limits: {cpu: 500m, memory: 64Mi}}
    volumeMounts: [{name: v, mountPath: /v}]
  volumes: [{name: v, emptyDir: {}}]
)";

// Golden values (the minimal one and the UID were checked against Python's hashlib): if one
// changes, every running pod would be restarted on upgrade. Change them only together with a new
// encoding version (identity.h).
TEST(SpecHash, GoldenValuesAreStable) {
  EXPECT_EQ(hashOf(kMinimalPod),
            "v1:eb6ae1768840deb65248129ec4f70cecd29e74d6ea23855cea684c21a7c567da");
  EXPECT_EQ(hashOf(kFull), "v1:7ec531407a72e2d6e83d96e1753f8927e824cedf46179cf925cee3f6a36cd2b7");
  DecodeResult etcd = decode(readFile(
      PK_SOURCE_DIR "/manifests/examples/kubernetes-docs/k8s-doc-static-control-plane.yaml"));
  ASSERT_TRUE(etcd.ok());
  EXPECT_EQ(etcd.pods[0].specHash,
            "v1:fcaaa21b1ccb310d3b658e9f2053ea3b983ca3c2974ea9004b58dc0a9985b38c");
}

TEST(SpecHash, CanonicalEncodingIsVersionedSortedCompactJson) {
  DecodeResult r = decode(kMinimalPod);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(canonicalSpec(r.pods[0].pod.spec),
            "podkeeper-spec-v1\n"
            "{\"containers\":[{\"image\":\"busybox:1.36\",\"imagePullPolicy\":\"IfNotPresent\","
            "\"name\":\"app\",\"terminationMessagePath\":\"/dev/termination-log\","
            "\"terminationMessagePolicy\":\"File\"}],\"dnsPolicy\":\"ClusterFirst\","
            "\"enableServiceLinks\":true,\"restartPolicy\":\"Always\",\"schedulerName\":"
            "\"default-scheduler\",\"terminationGracePeriodSeconds\":30}");
}

TEST(SpecHash, KeyOrderWhitespaceCommentsAndJsonDoNotChangeIt) {
  const std::string base = hashOf(kFull);
  EXPECT_EQ(hashOf(R"(# a comment
kind: Pod
apiVersion: v1
spec:
  volumes:
  - emptyDir: {}
    name: v
  containers:
  -   image: "busybox:1.36"     # same image
      name: app
      resources:
        limits: {memory: 65536Ki, cpu: "0.5"}
      volumeMounts: [{mountPath: /v, name: v}]
      ports: [{containerPort: 80, protocol: TCP}]
      args: ["sleep 1"]
      command: ["sh", "-c"]
      env: [{value: "1", name: A}]
  restartPolicy: OnFailure
metadata: {labels: {app: web}, name: web}
)"),
            base);
  EXPECT_EQ(hashOf(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{
    "restartPolicy":"OnFailure","volumes":[{"name":"v","emptyDir":{}}],
    "containers":[{"name":"app","image":"busybox:1.36","command":["sh","-c"],
    "args":["sleep 1"],"env":[{"name":"A","value":"1"}],"ports":[{"containerPort":80}],
    "resources":{"limits":{"cpu":"500m","memory":"64Mi"}},
    "volumeMounts":[{"name":"v","mountPath":"/v"}]}]}})"),
            base);
}

TEST(SpecHash, MetadataOnlyEditsDoNotChangeIt) {
  std::string edited = kFull;
  edited.replace(edited.find("labels: {app: web}"), 18,
                 "labels: {app: web, tier: x}\n  annotations: {note: hi}");
  EXPECT_EQ(hashOf(edited), hashOf(kFull));
}

TEST(SpecHash, EverySemanticChangeChangesIt) {
  const std::string base = hashOf(kFull);
  const std::pair<const char*, const char*> edits[] = {
      {"restartPolicy: OnFailure", "restartPolicy: Never"},
      {"image: busybox:1.36", "image: busybox:1.37"},
      {"command: [sh, -c]", "command: [bash, -c]"},
      {"args: [\"sleep 1\"]", "args: [\"sleep 2\"]"},
      {"value: \"1\"", "value: \"2\""},
      {"containerPort: 80", "containerPort: 81"},
      {"cpu: 500m", "cpu: 501m"},
      {"memory: 64Mi", "memory: 65Mi"},
      {"mountPath: /v", "mountPath: /w"},
      {"emptyDir: {}", "emptyDir: {medium: Memory}"},
      {"- name: app", "- name: app2"},
      {"restartPolicy: OnFailure", "restartPolicy: OnFailure\n  hostNetwork: true"},
      {"restartPolicy: OnFailure", "restartPolicy: OnFailure\n  terminationGracePeriodSeconds: 5"},
      {"    image: busybox:1.36", "    image: busybox:1.36\n    workingDir: /tmp"},
      {"    image: busybox:1.36",
       "    image: busybox:1.36\n    readinessProbe: {tcpSocket: {port: 80}}"},
      {"    image: busybox:1.36",
       "    image: busybox:1.36\n    securityContext: {runAsUser: 1000}"},
  };
  for (const auto& [from, to] : edits) {
    std::string edited = kFull;
    edited.replace(edited.find(from), std::string(from).size(), to);
    EXPECT_NE(hashOf(edited), base) << from << " -> " << to;
  }
}

TEST(PodKey, IsPodKeyMatchesExactlyTheKeyPodKeyBuilds) {
  EXPECT_EQ(podKey("default", "web"), "default/web");
  EXPECT_TRUE(isPodKey("default/web", "default", "web"));
  EXPECT_FALSE(isPodKey("default/web", "default", "we"));
  EXPECT_FALSE(isPodKey("default-web", "default", "web"));
  EXPECT_FALSE(isPodKey("default/webs", "default", "web"));
  EXPECT_FALSE(isPodKey("kube-system/web", "default", "web"));
  EXPECT_FALSE(isPodKey("", "", "x"));
}

TEST(PodUid, MetadataUidIsUsedAsIs) {
  ObjectMeta m;
  m.name = "web";
  m.uid = "1234-abcd";
  EXPECT_EQ(podUid(m, "/etc/podkeeper/web.yaml"), "1234-abcd");
}

TEST(PodUid, DerivedUidIsAStableFilesystemSafeUuid) {
  ObjectMeta m;
  m.name = "web";
  EXPECT_EQ(podUid(m, "/etc/podkeeper/web.yaml"), "d27ca777-9bbf-857f-730f-7ea54040acc7");
}

TEST(PodUid, DerivedUidDependsOnPathNamespaceAndName) {
  ObjectMeta m;
  m.name = "web";
  const std::string base = podUid(m, "/a/web.yaml");
  EXPECT_NE(podUid(m, "/b/web.yaml"), base);
  ObjectMeta other = m;
  other.name = "api";
  EXPECT_NE(podUid(other, "/a/web.yaml"), base);
  other = m;
  other.namespace_ = "prod";
  EXPECT_NE(podUid(other, "/a/web.yaml"), base);
}

TEST(PodUid, DerivedUidDoesNotChangeWithTheSpec) {
  DecodeResult a = decode(kMinimalPod, "/m/web.yaml");
  std::string edited = std::string(kMinimalPod) + "    workingDir: /tmp\n";
  DecodeResult b = decode(edited, "/m/web.yaml");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.pods[0].uid, b.pods[0].uid);
  EXPECT_NE(a.pods[0].specHash, b.pods[0].specHash);
}

TEST(SpecHash, StdinAndTtyChangeTheHashOnlyWhenSet) {
  const std::string base = hashOf(kMinimalPod);
  EXPECT_EQ(hashOf(std::string(kMinimalPod) + "    stdin: false\n    tty: false\n"), base);
  EXPECT_NE(hashOf(std::string(kMinimalPod) + "    tty: true\n"), base);
  EXPECT_NE(hashOf(std::string(kMinimalPod) + "    stdin: true\n"),
            hashOf(std::string(kMinimalPod) + "    stdin: true\n    stdinOnce: true\n"));
}

}  // namespace
}  // namespace podkeeper::manifests
