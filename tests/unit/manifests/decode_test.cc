#include "manifests/decode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.h"

namespace podkeeper::manifests {
namespace {

using namespace testing::decoder_names;

TEST(Decode, MinimalPodGetsKubernetesDefaults) {
  DecodeResult r = decode(kMinimalPod);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  ASSERT_EQ(r.pods.size(), 1u);
  const Pod& p = r.pods[0].pod;
  EXPECT_EQ(p.metadata.namespace_, "default");
  EXPECT_EQ(p.spec.restartPolicy, RestartPolicy::Always);
  EXPECT_EQ(p.spec.terminationGracePeriodSeconds, 30);
  EXPECT_EQ(p.spec.dnsPolicy, "ClusterFirst");
  EXPECT_EQ(p.spec.schedulerName, "default-scheduler");
  EXPECT_TRUE(p.spec.enableServiceLinks);
  const Container& c = p.spec.containers[0];
  EXPECT_EQ(c.imagePullPolicy, "IfNotPresent");
  EXPECT_EQ(c.terminationMessagePath, "/dev/termination-log");
  EXPECT_EQ(c.terminationMessagePolicy, "File");
  EXPECT_EQ(r.pods[0].line, 1);
}

TEST(Decode, PullPolicyDefaultsToAlwaysForLatestOrUntaggedImages) {
  for (const char* image : {"busybox", "busybox:latest", "registry:5000/busybox"}) {
    std::string yaml = std::string(kMinimalPod);
    yaml.replace(yaml.find("busybox:1.36"), 12, image);
    DecodeResult r = decode(yaml);
    ASSERT_TRUE(r.ok()) << image;
    EXPECT_EQ(r.pods[0].pod.spec.containers[0].imagePullPolicy, "Always") << image;
  }
}

TEST(Decode, RequestsDefaultToLimits) {
  DecodeResult r = decode(std::string(kMinimalPod) + R"(    resources:
      limits: {cpu: "1", memory: 1Gi}
      requests: {cpu: 250m}
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  const ResourceRequirements& res = r.pods[0].pod.spec.containers[0].resources;
  EXPECT_EQ(res.requests.cpuMilli, 250);
  EXPECT_EQ(res.requests.memoryBytes, 1LL << 30);
  EXPECT_EQ(res.limits.cpuMilli, 1000);
}

TEST(Decode, ProbeTimingDefaultsAreKubernetesOnes) {
  DecodeResult r = decode(std::string(kMinimalPod) + R"(    livenessProbe:
      exec: {command: [true]}
)");
  ASSERT_FALSE(r.ok());  // `true` unquoted is a boolean, not a string
  r = decode(std::string(kMinimalPod) + R"(    livenessProbe:
      exec: {command: ["true"]}
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  const Probe& p = *r.pods[0].pod.spec.containers[0].livenessProbe;
  EXPECT_EQ(p.initialDelaySeconds, 0);
  EXPECT_EQ(p.timeoutSeconds, 1);
  EXPECT_EQ(p.periodSeconds, 10);
  EXPECT_EQ(p.successThreshold, 1);
  EXPECT_EQ(p.failureThreshold, 3);
}

TEST(Decode, HttpGetDefaultsPathAndScheme) {
  DecodeResult r = decode(std::string(kMinimalPod) + R"(    readinessProbe:
      httpGet: {port: 8080}
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  const HTTPGetAction& h = *r.pods[0].pod.spec.containers[0].readinessProbe->handler.httpGet;
  EXPECT_EQ(h.path, "/");
  EXPECT_EQ(h.scheme, "HTTP");
  EXPECT_EQ(h.port.number, 8080);
}

TEST(Decode, MultipleDocumentsYieldOnePodEach) {
  std::string two = std::string(kMinimalPod) + "---\n" + kMinimalPod + "---\n";
  two.replace(two.rfind("name: web"), 9, "name: api");
  DecodeResult r = decode(two);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  ASSERT_EQ(r.pods.size(), 2u);
  EXPECT_EQ(r.pods[0].pod.metadata.name, "web");
  EXPECT_EQ(r.pods[1].pod.metadata.name, "api");
  EXPECT_EQ(r.pods[1].line, 10);
}

TEST(Decode, EmptyDocumentsBetweenSeparatorsAreSkipped) {
  std::string yaml = std::string("---\n# empty, as Helm writes for a disabled template\n---\n") +
                     kMinimalPod + "---\n---\n" + kMinimalPod;
  yaml.replace(yaml.rfind("name: web"), 9, "name: api");
  DecodeResult r = decode(yaml);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  ASSERT_EQ(r.pods.size(), 2u);
  EXPECT_EQ(r.pods[0].line, 4);
  EXPECT_EQ(r.pods[1].line, 14);
}

TEST(Decode, DocumentEndMarkerSeparatesDocuments) {
  std::string yaml = std::string(kMinimalPod) + "...\n" + kMinimalPod;
  yaml.replace(yaml.rfind("name: web"), 9, "name: api");
  DecodeResult r = decode(yaml);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  EXPECT_EQ(r.pods.size(), 2u);
}

TEST(Decode, DirectiveBeforeTheFirstDocumentIsAccepted) {
  DecodeResult r = decode(std::string("%YAML 1.2\n---\n") + kMinimalPod);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  EXPECT_EQ(r.pods.size(), 1u);
}

TEST(Decode, SyntaxErrorInOneDocumentStillReportsTheOthers) {
  std::string yaml = std::string("a: [\n---\n") + kMinimalPod + "    ports: [{containerPort: 0}]\n";
  DecodeResult r = decode(yaml);
  EXPECT_THAT(errors(r), ElementsAre("pod.yaml:2:1: not valid YAML: end of sequence flow not found",
                                     HasSubstr("pod.yaml:11:29: spec.containers[0].ports[0]."
                                               "containerPort: 0 must be between 1 and 65535")));
}

TEST(Decode, JsonManifestDecodesLikeYaml) {
  DecodeResult r = decode(R"({
  "apiVersion": "v1", "kind": "Pod",
  "metadata": {"name": "web", "labels": {"app": "web"}},
  "spec": {"containers": [{"name": "app", "image": "busybox:1.36",
           "ports": [{"containerPort": 80}]}]}
})",
                          "pod.json");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  EXPECT_EQ(r.pods[0].pod.spec.containers[0].ports[0].containerPort, 80);
  EXPECT_EQ(r.pods[0].pod.metadata.labels.at("app"), "web");
}

TEST(Decode, JsonIndentedWithTabsDecodes) {
  DecodeResult r = decode(
      "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Pod\",\n\t\"metadata\": {\"name\": "
      "\"web\"},\n\t\"spec\": {\n\t\t\"containers\": [{\"name\": \"app\", \"image\": "
      "\"busybox\"}]\n\t}\n}\n",
      "pod.json");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
}

TEST(Decode, ListOfPodsIsAccepted) {
  DecodeResult r = decode(R"(apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a}
  spec: {containers: [{name: c, image: busybox}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: b}
  spec: {containers: [{name: c, image: busybox}]}
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  ASSERT_EQ(r.pods.size(), 2u);
  EXPECT_EQ(r.pods[1].pod.metadata.name, "b");
}

TEST(Decode, ServerSetFieldsAreIgnoredSilently) {
  DecodeResult r = decode(R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  creationTimestamp: null
  resourceVersion: "12345"
  generation: 1
  managedFields: [{manager: kubectl}]
spec:
  containers: [{name: app, image: busybox}]
status:
  phase: Running
  podIP: 10.0.0.1
)");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(printed(r), IsEmpty());
}

TEST(Decode, SchedulingFieldsAreAcceptedWithOneWarningEach) {
  DecodeResult r = decode(std::string(kMinimalPod) + R"(  tolerations: [{operator: Exists}]
  nodeSelector: {disk: ssd}
)");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(printed(r),
              ElementsAre("pod.yaml:9:3: warning: spec.tolerations: accepted, no effect: there "
                          "is no scheduler; the pod runs on this node",
                          "pod.yaml:10:3: warning: spec.nodeSelector: accepted, no effect: there "
                          "is no scheduler; the pod runs on this node"));
}

TEST(Decode, UnknownFieldIsAWarningNamingTheField) {
  DecodeResult r = decode(std::string(kMinimalPod) + "    imagePullPolcy: Always\n");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(printed(r), ElementsAre("pod.yaml:9:5: warning: spec.containers[0].imagePullPolcy: "
                                      "unknown field, ignored"));
}

TEST(Decode, YamlOctalModeIsReadAsOctal) {
  DecodeResult r = decode(std::string(kMinimalPod) + R"(  volumes:
  - name: info
    downwardAPI:
      defaultMode: 0600
      items: [{path: name, fieldRef: {fieldPath: metadata.name}}]
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  EXPECT_EQ(r.pods[0].pod.spec.volumes[0].downwardAPI->defaultMode, 0600);
}

TEST(Decode, EmptyDirWithoutValueIsAnEmptyDir) {
  DecodeResult r = decode(std::string(kMinimalPod) + "  volumes:\n  - name: tmp\n    emptyDir:\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  EXPECT_TRUE(r.pods[0].pod.spec.volumes[0].emptyDir.has_value());
}

TEST(Decode, EveryHostPathTypeIsAccepted) {
  for (const char* type : {"\"\"", "DirectoryOrCreate", "Directory", "FileOrCreate", "File",
                           "Socket", "CharDevice", "BlockDevice"}) {
    DecodeResult r =
        decode(std::string(kMinimalPod) +
               "  volumes:\n  - name: h\n    hostPath: {path: /var/x, type: " + type + "}\n");
    EXPECT_TRUE(r.ok()) << type << ::testing::PrintToString(printed(r));
  }
}

TEST(Decode, EnvFieldRefsAreKeptForResolutionAtStart) {
  DecodeResult r = decode(std::string(kMinimalPod) + R"(    env:
    - name: POD_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
    - name: TEAM
      valueFrom: {fieldRef: {fieldPath: "metadata.labels['team']"}}
    - name: MEM
      valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  const auto& env = r.pods[0].pod.spec.containers[0].env;
  EXPECT_EQ(env[0].valueFrom->fieldRef->fieldPath, "status.podIP");
  EXPECT_EQ(env[1].valueFrom->fieldRef->fieldPath, "metadata.labels['team']");
  EXPECT_EQ(env[2].valueFrom->resourceFieldRef->divisor, "1Mi");
}

TEST(Decode, EmptyFileHasNoPodsAndNoErrors) {
  DecodeResult r = decode("# nothing here\n");
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.pods, IsEmpty());
}

}  // namespace
}  // namespace podkeeper::manifests
