#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "manifests/decode.h"
#include "test_util.h"

namespace podkeeper::manifests {
namespace {

using namespace testing::decoder_names;

std::string withContainerLines(const std::string& lines) {
  return std::string(kMinimalPod) + lines;
}

TEST(DecodeErrors, BadQuantityNamesFileLineColumnFieldAndValue) {
  DecodeResult r = decode(R"(apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: a, image: busybox}
  - name: b
    image: busybox
    resources:
      limits:
        memory: 12QiB
)",
                          "/etc/podkeeper/web.yaml");
  EXPECT_THAT(errors(r), ElementsAre("/etc/podkeeper/web.yaml:11:17: "
                                     "spec.containers[1].resources.limits.memory: \"12QiB\" is "
                                     "not a valid quantity"));
  EXPECT_THAT(r.pods, IsEmpty());
}

TEST(DecodeErrors, EveryProblemInTheFileIsReported) {
  DecodeResult r = decode(R"(apiVersion: v1
kind: Pod
metadata: {name: Web_1}
spec:
  restartPolicy: Sometimes
  containers:
  - name: app
    resources: {limits: {cpu: lots}}
    ports: [{containerPort: 70000}]
---
apiVersion: v1
kind: Pod
metadata: {name: ok}
spec:
  containers: [{name: x, image: busybox}]
  volumes: [{name: c, configMap: {name: c}}]
)");
  auto errs = errors(r);
  EXPECT_EQ(errs.size(), 6u) << ::testing::PrintToString(errs);
  EXPECT_THAT(errs, Contains(HasSubstr("pod.yaml:3:18: metadata.name: \"Web_1\" must consist")));
  EXPECT_THAT(
      errs, Contains(HasSubstr("pod.yaml:5:18: spec.restartPolicy: \"Sometimes\" is not one of")));
  EXPECT_THAT(errs, Contains("pod.yaml:8:31: spec.containers[0].resources.limits.cpu: \"lots\" is "
                             "not a valid quantity"));
  EXPECT_THAT(errs, Contains(HasSubstr("pod.yaml:7:5: spec.containers[0].image: is required")));
  EXPECT_THAT(errs, Contains(HasSubstr("pod.yaml:9:29: spec.containers[0].ports[0].containerPort: "
                                       "70000 must be between 1 and 65535")));
  EXPECT_THAT(errs, Contains("pod.yaml:16:23: spec.volumes[0].configMap: refers to a ConfigMap; a "
                             "node agent has no API server to resolve it"));
}

TEST(DecodeErrors, ImageReferenceOutsideTheDockerGrammarNamesFieldAndValue) {
  auto r = decode(R"(apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: a, image: Nginx:1.27}
  - {name: b, image: "busybox:"}
  - {name: c, image: "host:5000/app@sha256:abc"}
  - {name: d, image: "registry.example:5000/team/app:v1"}
)");
  auto errs = errors(r);
  EXPECT_EQ(errs.size(), 3u) << ::testing::PrintToString(errs);
  EXPECT_THAT(errs, Contains("pod.yaml:6:22: spec.containers[0].image: invalid reference format: "
                             "repository name must be lowercase (\"Nginx:1.27\")"));
  EXPECT_THAT(errs, Contains(HasSubstr("spec.containers[1].image: invalid reference format: tag "
                                       "\"\" must be")));
  EXPECT_THAT(errs, Contains(HasSubstr("spec.containers[2].image: invalid reference format: digest "
                                       "sha256 must be 64 lowercase hex characters")));
}

TEST(DecodeErrors, RequestAboveLimitIsRejected) {
  DecodeResult r = decode(
      withContainerLines("    resources: {requests: {memory: 2Gi}, limits: {memory: 1Gi}}\n"));
  EXPECT_THAT(errors(r), ElementsAre(HasSubstr("spec.containers[0].resources.requests.memory: "
                                               "\"2Gi\" must be less than or equal to the limit "
                                               "\"1Gi\"")));
}

TEST(DecodeErrors, VolumeMountMustNameADeclaredVolume) {
  DecodeResult r = decode(withContainerLines("    volumeMounts: [{name: cfg, mountPath: /cfg}]\n"));
  EXPECT_THAT(errors(r), ElementsAre("pod.yaml:9:27: spec.containers[0].volumeMounts[0].name: "
                                     "volume \"cfg\" is not declared in spec.volumes"));
}

TEST(DecodeErrors, ContainerNamesMustBeUniqueAcrossInitAndApp) {
  DecodeResult r = decode(withContainerLines("  initContainers: [{name: app, image: busybox}]\n"));
  EXPECT_THAT(errors(r),
              ElementsAre(HasSubstr("spec.containers[0].name: \"app\" is already used")));
}

TEST(DecodeErrors, VolumeNamesMustBeUnique) {
  DecodeResult r =
      decode(withContainerLines("  volumes: [{name: v, emptyDir: {}}, {name: v, emptyDir: {}}]\n"));
  EXPECT_THAT(errors(r), ElementsAre(HasSubstr("spec.volumes[1].name: \"v\" is already used")));
}

TEST(DecodeErrors, ClusterReferencesAreRefusedWithTheReason) {
  struct Case {
    const char* lines;
    const char* field;
  };
  for (const Case& c :
       {Case{"    envFrom: [{configMapRef: {name: x}}]\n", "spec.containers[0].envFrom"},
        Case{"    env: [{name: A, valueFrom: {secretKeyRef: {name: s, key: k}}}]\n",
             "spec.containers[0].env[0].valueFrom.secretKeyRef"},
        Case{"  volumes: [{name: d, persistentVolumeClaim: {claimName: c}}]\n",
             "spec.volumes[0].persistentVolumeClaim"},
        Case{"  volumes: [{name: d, secret: {secretName: c}}]\n", "spec.volumes[0].secret"},
        Case{"  volumes: [{name: d, projected: {sources: [{secret: {name: s}}]}}]\n",
             "spec.volumes[0].projected.sources[0].secret"}}) {
    DecodeResult r = decode(withContainerLines(c.lines));
    EXPECT_THAT(errors(r), Contains(AllOf(HasSubstr(std::string(c.field) + ": refers to"),
                                          HasSubstr("no API server to resolve it"))))
        << c.lines;
  }
}

TEST(DecodeErrors, StdinStdinOnceAndTtyDecodeInAnyCombinationAsTheApiServerAcceptsThem) {
  // tty without stdin (output only) and stdinOnce without stdin (meaningless) are accepted
  // by the API server, and the kubelet runs such pods: so does podkeeper.
  for (const char* lines : {"    stdin: true\n    tty: true\n", "    tty: true\n",
                            "    stdinOnce: true\n", "    stdin: true\n    stdinOnce: true\n"}) {
    DecodeResult r = decode(withContainerLines(lines));
    EXPECT_TRUE(r.ok()) << lines;
    ASSERT_EQ(r.pods.size(), 1u) << lines;
    const auto& c = r.pods[0].pod.spec.containers[0];
    const std::string text = lines;
    EXPECT_EQ(c.stdin, text.find("stdin: true") != std::string::npos) << lines;
    EXPECT_EQ(c.stdinOnce, text.find("stdinOnce: true") != std::string::npos) << lines;
    EXPECT_EQ(c.tty, text.find("tty: true") != std::string::npos) << lines;
  }
}

TEST(DecodeErrors, WrongKindOrApiVersionIsRefused) {
  DecodeResult r = decode("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n");
  EXPECT_THAT(
      errors(r),
      ElementsAre(HasSubstr("kind: \"Deployment\" is not supported; podkeeper runs kind: Pod")));
  r = decode(std::string(kMinimalPod).replace(0, 14, "apiVersion: v2"));
  EXPECT_THAT(errors(r), ElementsAre(HasSubstr("apiVersion: \"v2\" is not supported")));
}

TEST(DecodeErrors, DocumentThatIsNotAMappingIsRefused) {
  EXPECT_THAT(errors(decode("- a\n- b\n")),
              ElementsAre(HasSubstr("must be a mapping with kind: Pod")));
  EXPECT_THAT(errors(decode("just a string\n")), ElementsAre(HasSubstr("must be a mapping")));
}

TEST(DecodeErrors, UnquotedNumberWhereAStringBelongsIsATypeError) {
  DecodeResult r = decode(withContainerLines("    env: [{name: PORT, value: 8080}]\n"));
  EXPECT_THAT(errors(r), ElementsAre("pod.yaml:9:31: spec.containers[0].env[0].value: expected a "
                                     "string, got number \"8080\" (quote it)"));
}

TEST(DecodeErrors, HalfWrittenFileIsAnErrorNotAPartialPod) {
  std::string full = withContainerLines("    command: [\"sh\", \"-c\", \"sleep 1\"]\n");
  DecodeResult r = decode(full.substr(0, full.size() - 12));
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.pods, IsEmpty());
  EXPECT_THAT(errors(r), ElementsAre(HasSubstr("not valid YAML")));
}

TEST(DecodeErrors, DuplicateKeyIsAnError) {
  DecodeResult r = decode(withContainerLines("    image: nginx\n"));
  EXPECT_THAT(errors(r), ElementsAre("pod.yaml:9:5: spec.containers[0].image: duplicate key"));
}

TEST(DecodeErrors, SamePodTwiceInOneFileIsAnError) {
  DecodeResult r = decode(std::string(kMinimalPod) + "---\n" + kMinimalPod);
  EXPECT_THAT(errors(r),
              ElementsAre(HasSubstr("pod default/web at line 10 is already defined at line 1")));
}

TEST(DecodeErrors, ProbeRulesFollowKubernetes) {
  DecodeResult r = decode(withContainerLines(R"(    livenessProbe:
      httpGet: {port: http}
      successThreshold: 2
      periodSeconds: -1
    startupProbe:
      exec: {command: [ls]}
      tcpSocket: {port: 80}
)"));
  EXPECT_THAT(
      errors(r),
      ElementsAre(
          HasSubstr("livenessProbe.httpGet.port: \"http\" is not the name of a port"),
          HasSubstr("livenessProbe.successThreshold: must be 1 for liveness"),
          HasSubstr("livenessProbe.periodSeconds: must be greater than or equal to 1"),
          HasSubstr("startupProbe: must have exactly one of exec, httpGet, tcpSocket, grpc")));
}

TEST(DecodeErrors, InitContainersMayNotHaveProbes) {
  DecodeResult r =
      decode(withContainerLines("  initContainers:\n  - name: init\n    image: busybox\n    "
                                "readinessProbe: {exec: {command: [ls]}}\n"));
  EXPECT_THAT(errors(r),
              ElementsAre(HasSubstr(
                  "spec.initContainers[0].readinessProbe: must not be set for init containers")));
}

TEST(DecodeErrors, UnsupportedFieldPathInEnvIsRejected) {
  DecodeResult r = decode(withContainerLines(
      "    env: [{name: X, valueFrom: {fieldRef: {fieldPath: spec.hostname}}}]\n"));
  EXPECT_THAT(
      errors(r),
      ElementsAre(HasSubstr(
          "env[0].valueFrom.fieldRef.fieldPath: \"spec.hostname\" is not a supported field path")));
}

TEST(DecodeErrors, HostPortMustMatchContainerPortOnHostNetwork) {
  DecodeResult r = decode(withContainerLines(
      "    ports: [{containerPort: 80, hostPort: 8080}]\n  hostNetwork: true\n"));
  EXPECT_THAT(errors(r),
              ElementsAre(HasSubstr(
                  "ports[0].hostPort: must equal containerPort when hostNetwork is true")));
}

TEST(DecodeErrors, SubPathMayNotEscapeTheVolume) {
  DecodeResult r =
      decode(withContainerLines("    volumeMounts: [{name: v, mountPath: /v, subPath: "
                                "../../etc}]\n  volumes: [{name: v, emptyDir: {}}]\n"));
  EXPECT_THAT(
      errors(r),
      ElementsAre(HasSubstr("volumeMounts[0].subPath: \"../../etc\" must not contain '..'")));
}

TEST(DecodeErrors, LabelKeysAndValuesFollowApiRules) {
  DecodeResult r = decode(R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {"bad key!": x, good: "value with spaces"}
spec:
  containers: [{name: app, image: busybox}]
)");
  EXPECT_THAT(errors(r),
              ElementsAre(HasSubstr("metadata.labels.bad key!: key \"bad key!\""),
                          HasSubstr("metadata.labels.good: \"value with spaces\" must consist")));
}

TEST(DecodeErrors, GenerateNameWithoutNameIsRefused) {
  DecodeResult r = decode(
      "apiVersion: v1\nkind: Pod\nmetadata: {generateName: web-}\nspec: {containers: [{name: a, "
      "image: b}]}\n");
  EXPECT_THAT(errors(r), Contains(HasSubstr("metadata.generateName: needs an API server")));
}

TEST(DecodeErrors, SecurityContextContradictionsAreRejected) {
  DecodeResult r =
      decode(withContainerLines("    securityContext: {privileged: true, allowPrivilegeEscalation: "
                                "false, procMount: Weird}\n"));
  EXPECT_THAT(
      errors(r),
      ElementsAre(HasSubstr("cannot set allowPrivilegeEscalation to false and privileged to true"),
                  HasSubstr("procMount: \"Weird\" is not one of Default, Unmasked")));
}

TEST(DecodeErrors, FsGroupChangePolicyIsOnRootMismatchOrAlways) {
  DecodeResult ok = decode(withContainerLines(
      "  securityContext: {fsGroup: 2000, fsGroupChangePolicy: OnRootMismatch}\n"));
  EXPECT_THAT(errors(ok), IsEmpty());
  ASSERT_EQ(ok.pods.size(), 1u);
  EXPECT_EQ(ok.pods[0].pod.spec.securityContext.fsGroupChangePolicy, "OnRootMismatch");
  DecodeResult bad = decode(
      withContainerLines("  securityContext: {fsGroup: 2000, fsGroupChangePolicy: Never}\n"));
  EXPECT_THAT(errors(bad),
              ElementsAre(HasSubstr("spec.securityContext.fsGroupChangePolicy: "
                                    "\"Never\" is not one of OnRootMismatch, Always")));
}

TEST(DecodeErrors, SupplementalGroupsPolicyIsMergeOrStrict) {
  for (const std::string policy : {"Merge", "Strict"}) {
    DecodeResult ok = decode(
        withContainerLines("  securityContext: {supplementalGroupsPolicy: " + policy + "}\n"));
    EXPECT_THAT(errors(ok), IsEmpty());
    ASSERT_EQ(ok.pods.size(), 1u);
    EXPECT_EQ(ok.pods[0].pod.spec.securityContext.supplementalGroupsPolicy, policy);
  }
  DecodeResult bad =
      decode(withContainerLines("  securityContext: {supplementalGroupsPolicy: Loose}\n"));
  EXPECT_THAT(errors(bad), ElementsAre(HasSubstr("spec.securityContext.supplementalGroupsPolicy: "
                                                 "Unsupported value: \"Loose\": supported "
                                                 "values: \"Merge\", \"Strict\"")));
}

TEST(DecodeErrors, DnsPolicyNoneNeedsANameserver) {
  DecodeResult r = decode(withContainerLines("  dnsPolicy: None\n"));
  EXPECT_THAT(errors(r),
              ElementsAre(HasSubstr("spec.dnsConfig.nameservers: at least one nameserver")));
}

}  // namespace
}  // namespace podkeeper::manifests
