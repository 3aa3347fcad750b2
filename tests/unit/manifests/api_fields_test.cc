#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "manifests/decode.h"
#include "manifests/env_expansion.h"
#include "test_util.h"

// Every field of the core/v1 Pod is either decoded or refused by name: none is dropped as
// "unknown".
namespace podkeeper::manifests {
namespace {

using namespace testing::decoder_names;

std::string withLines(const std::string& specLines, const std::string& containerLines = "") {
  std::string pod = kMinimalPod;
  return pod + containerLines + specLines;
}

TEST(ApiFields, NoFieldOfTheCoreV1PodIsReportedAsUnknown) {
  const std::string path = PK_TESTDATA_DIR "/every-core-v1-field.yaml";
  DecodeResult r = decodeManifest(path, readFile(path));
  EXPECT_THAT(printed(r), Not(Contains(HasSubstr("unknown field"))));
  EXPECT_FALSE(r.diagnostics.empty());  // the cluster-only fields are still refused
}

TEST(ApiFields, ContainerRestartPolicyAndRulesDecode) {
  DecodeResult r = decode(withLines(
      "",
      "    restartPolicy: Never\n"
      "    restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [42]}}]\n"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  const Container& c = r.pods[0].pod.spec.containers[0];
  EXPECT_EQ(c.restartPolicy, "Never");
  ASSERT_EQ(c.restartPolicyRules.size(), 1u);
  EXPECT_EQ(c.restartPolicyRules[0].action, "Restart");
  ASSERT_TRUE(c.restartPolicyRules[0].exitCodes);
  EXPECT_EQ(c.restartPolicyRules[0].exitCodes->op, "In");
  EXPECT_EQ(c.restartPolicyRules[0].exitCodes->values, std::vector<int32_t>{42});
}

TEST(ApiFields, ContainerRestartRulesAreValidatedAsTheApiServerDoes) {
  EXPECT_THAT(errors(decode(
                  withLines("",
                            "    restartPolicyRules: [{action: Restart, exitCodes: {operator: In, "
                            "values: [1]}}]\n"))),
              ElementsAre(HasSubstr("spec.containers[0].restartPolicy: must specify restartPolicy "
                                    "when restart rules are used")));
  EXPECT_THAT(errors(decode(withLines("", "    restartPolicy: Sometimes\n"))),
              ElementsAre(HasSubstr("spec.containers[0].restartPolicy: \"Sometimes\" is not "
                                    "supported; supported values: \"Always\", \"Never\", "
                                    "\"OnFailure\"")));
  EXPECT_THAT(
      errors(decode(withLines("",
                              "    restartPolicy: Never\n    restartPolicyRules:\n"
                              "    - {action: Stop, exitCodes: {operator: Is, values: [1]}}\n"
                              "    - {action: Restart}\n"))),
      ElementsAre(HasSubstr("restartPolicyRules[0].action: \"Stop\" is not supported"),
                  HasSubstr("restartPolicyRules[0].exitCodes.operator: \"Is\" is not supported; "
                            "supported values: \"In\", \"NotIn\""),
                  HasSubstr("restartPolicyRules[1].exitCodes: must be specified")));
}

TEST(ApiFields, ResizePolicyDecodesAndIsValidatedAsTheApiServerDoes) {
  DecodeResult r = decode(
      withLines("",
                "    resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired},\n"
                "                   {resourceName: memory, restartPolicy: RestartContainer}]\n"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  const auto& policy = r.pods[0].pod.spec.containers[0].resizePolicy;
  ASSERT_EQ(policy.size(), 2u);
  EXPECT_EQ(policy[1].resourceName, "memory");
  EXPECT_EQ(policy[1].restartPolicy, "RestartContainer");
  EXPECT_THAT(errors(decode(withLines("",
                                      "    resizePolicy: [{resourceName: gpu, restartPolicy: "
                                      "NotRequired}]\n"))),
              ElementsAre(HasSubstr("resizePolicy[0].resourceName: \"gpu\" is not supported")));
  EXPECT_THAT(errors(decode(withLines("  restartPolicy: Never\n",
                                      "    resizePolicy: [{resourceName: cpu, restartPolicy: "
                                      "RestartContainer}]\n"))),
              ElementsAre(HasSubstr("must be 'NotRequired' when `restartPolicy` is 'Never'")));
  EXPECT_THAT(errors(decode(withLines("",
                                      "    resizePolicy: [{resourceName: cpu, restartPolicy: "
                                      "NotRequired}, {resourceName: cpu, restartPolicy: "
                                      "NotRequired}]\n"))),
              ElementsAre(HasSubstr("resizePolicy[1]: Duplicate value: \"cpu\"")));
}

TEST(ApiFields, GrpcProbesDecodeAndTheirPortIsValidated) {
  DecodeResult r = decode(withLines("",
                                    "    livenessProbe:\n      grpc: {port: 9090, service: live}\n"
                                    "    readinessProbe:\n      grpc: {port: 9091}\n"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  const Container& c = r.pods[0].pod.spec.containers[0];
  ASSERT_TRUE(c.livenessProbe && c.livenessProbe->handler.grpc);
  EXPECT_EQ(c.livenessProbe->handler.grpc->port, 9090);
  EXPECT_EQ(c.livenessProbe->handler.grpc->service, "live");
  ASSERT_TRUE(c.readinessProbe && c.readinessProbe->handler.grpc);
  EXPECT_FALSE(c.readinessProbe->handler.grpc->service);
  EXPECT_THAT(errors(decode(withLines("", "    livenessProbe:\n      grpc: {port: 0}\n"))),
              ElementsAre(HasSubstr("spec.containers[0].livenessProbe.grpc.port: 0: must be "
                                    "between 1 and 65535")));
  EXPECT_THAT(errors(decode(withLines(
                  "", "    livenessProbe:\n      grpc: {port: 1}\n      tcpSocket: {port: 1}\n"))),
              ElementsAre(HasSubstr("must have exactly one of exec, httpGet, tcpSocket, grpc")));
}

TEST(ApiFields, HostnameOverrideReplacesTheHostname) {
  DecodeResult r =
      decode(withLines("  hostname: h\n  subdomain: s\n  hostnameOverride: node-a.x\n"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  EXPECT_EQ(podHostname(r.pods[0].pod), "node-a.x");
  r = decode(withLines("  hostname: h\n"));
  EXPECT_EQ(podHostname(r.pods[0].pod), "h");
  r = decode(withLines(""));
  EXPECT_EQ(podHostname(r.pods[0].pod), "web");
}

TEST(ApiFields, HostnameOverrideIsValidatedAsTheApiServerDoes) {
  EXPECT_THAT(errors(decode(withLines("  hostnameOverride: Bad_Name\n"))),
              ElementsAre(HasSubstr("spec.hostnameOverride: \"Bad_Name\"")));
  std::string long65;
  while (long65.size() < 63) long65 += "ab.";
  long65 += "ab";
  EXPECT_THAT(errors(decode(withLines("  hostnameOverride: " + long65 + "\n"))),
              ElementsAre(HasSubstr("must be no more than 64 characters")));
  EXPECT_THAT(errors(decode(withLines("  hostNetwork: true\n  hostnameOverride: a\n"))),
              ElementsAre(HasSubstr("may not be set when hostNetwork is true")));
}

TEST(ApiFields, ServiceAccountNameIsThePodsOwnFieldAndTheDownwardApiReadsIt) {
  DecodeResult r = decode(withLines(
      "  serviceAccountName: builder\n  automountServiceAccountToken: false\n",
      "    env: [{name: SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}]\n"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  EXPECT_THAT(printed(r), IsEmpty());
  const Pod& pod = r.pods[0].pod;
  Container c = resolveContainer(pod, "uid", pod.spec.containers[0], NodeFacts{});
  EXPECT_EQ(c.env[0].value, "builder");
}

TEST(ApiFields, DeprecatedServiceAccountIsCopiedAndATokenIsNeverMounted) {
  DecodeResult r = decode(withLines("  serviceAccount: old\n"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.pods[0].pod.spec.serviceAccountName, "old");
  EXPECT_THAT(printed(r), ElementsAre(HasSubstr("no ServiceAccount token is mounted")));
  EXPECT_THAT(errors(decode(withLines("  automountServiceAccountToken: true\n"))),
              ElementsAre(HasSubstr("ServiceAccount token")));
}

TEST(ApiFields, DefaultValuedFieldsOfUnsupportedFeaturesAreAccepted) {
  DecodeResult r =
      decode(withLines("  hostUsers: true\n  setHostnameAsFQDN: false\n  os: {name: linux}\n"));
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  DecodeResult userns = decode(withLines("  hostUsers: false\n"));
  EXPECT_TRUE(userns.ok()) << ::testing::PrintToString(printed(userns));
  ASSERT_EQ(userns.pods.size(), 1u);
  EXPECT_FALSE(userns.pods[0].pod.spec.hostUsers);
  EXPECT_THAT(errors(decode(withLines("  hostUsers: false\n  hostNetwork: true\n  hostPID: true\n"
                                      "  hostIPC: true\n"))),
              ElementsAre(HasSubstr("spec.hostNetwork: Forbidden: when `hostUsers` is false"),
                          HasSubstr("spec.hostPID: Forbidden: when `hostUsers` is false"),
                          HasSubstr("spec.hostIPC: Forbidden: when `hostUsers` is false")));
  EXPECT_THAT(errors(decode(withLines("  os: {name: plan9}\n"))),
              ElementsAre(HasSubstr("spec.os.name: Unsupported value: \"plan9\": supported values: "
                                    "\"linux\", \"windows\"")));
  DecodeResult fqdn = decode(withLines("  setHostnameAsFQDN: true\n"));
  ASSERT_TRUE(fqdn.ok()) << ::testing::PrintToString(printed(fqdn));
  EXPECT_TRUE(fqdn.pods[0].pod.spec.setHostnameAsFQDN);
}

TEST(ApiFields, ProjectedVolumeOfDownwardApiSourcesIsServedAsOneDownwardApiVolume) {
  DecodeResult r = decode(withLines(R"(  volumes:
  - name: info
    projected:
      defaultMode: 0440
      sources:
      - downwardAPI: {items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}
      - downwardAPI: {items: [{path: cpu, mode: 0400, resourceFieldRef: {containerName: app, resource: limits.cpu}}]}
)",
                                    "    volumeMounts: [{name: info, mountPath: /info}]\n"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  EXPECT_THAT(printed(r), IsEmpty());
  auto files = downwardAPIFiles(r.pods[0].pod.spec.volumes[0]);
  ASSERT_TRUE(files);
  EXPECT_EQ(files->defaultMode, 0440);
  ASSERT_EQ(files->items.size(), 2u);
  EXPECT_EQ(files->items[0].path, "name");
  EXPECT_EQ(files->items[1].mode, 0400);
}

TEST(ApiFields, ProjectedPathsMustBeUniqueAcrossSources) {
  DecodeResult r = decode(withLines(R"(  volumes:
  - name: info
    projected:
      sources:
      - downwardAPI: {items: [{path: a, fieldRef: {fieldPath: metadata.name}}]}
      - downwardAPI: {items: [{path: a, fieldRef: {fieldPath: metadata.uid}}]}
)"));
  EXPECT_THAT(errors(r), ElementsAre(HasSubstr("spec.volumes[0].projected.sources[1].downwardAPI."
                                               "items[0].path: \"a\" is used by another item")));
}

TEST(ApiFields, ProjectedTokensConfigMapsAndSecretsAreRefusedByName) {
  for (const char* kind : {"serviceAccountToken: {path: token}", "configMap: {name: c}",
                           "secret: {name: s}", "clusterTrustBundle: {path: b}"}) {
    DecodeResult r = decode(withLines(std::string("  volumes:\n  - name: info\n    projected:\n"
                                                  "      sources:\n      - downwardAPI: {}\n"
                                                  "      - ") +
                                      kind + "\n"));
    const std::string key = std::string(kind).substr(0, std::string(kind).find(':'));
    EXPECT_THAT(errors(r), ElementsAre(HasSubstr("spec.volumes[0].projected.sources[1]." + key +
                                                 ": refers to")))
        << kind;
  }
}

TEST(ApiFields, FileKeyRefOfTheDocumentationExampleDecodes) {
  DecodeResult r = decode(withLines(
      "  volumes: [{name: config, emptyDir: {}}]\n",
      "    env: [{name: DB, valueFrom: {fileKeyRef: {path: config.env, volumeName: config, key: "
      "DB_ADDRESS, optional: true}}}]\n"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  const auto& ref = r.pods[0].pod.spec.containers[0].env[0].valueFrom->fileKeyRef;
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->volumeName, "config");
  EXPECT_EQ(ref->path, "config.env");
  EXPECT_EQ(ref->key, "DB_ADDRESS");
  EXPECT_TRUE(ref->optional);
}

TEST(ApiFields, FileKeyRefIsValidatedAsTheApiServerDoes) {
  auto refErrors = [](const std::string& volumes, const std::string& ref) {
    return errors(
        decode(withLines(volumes, "    env: [{name: A, valueFrom: {fileKeyRef: " + ref + "}}]\n")));
  };
  const std::string emptyDir = "  volumes: [{name: v, emptyDir: {}}]\n";
  EXPECT_THAT(refErrors(emptyDir, "{volumeName: w, path: f, key: K}"),
              ElementsAre(HasSubstr("fileKeyRef.volumeName: \"w\" is not declared")));
  EXPECT_THAT(refErrors("  volumes: [{name: v, hostPath: {path: /tmp}}]\n",
                        "{volumeName: v, path: f, key: K}"),
              ElementsAre(HasSubstr("\"v\" must be an emptyDir volume")));
  EXPECT_THAT(refErrors(emptyDir, "{volumeName: v, path: ../f, key: K}"),
              ElementsAre(HasSubstr("fileKeyRef.path: \"../f\"")));
  EXPECT_THAT(refErrors(emptyDir, "{volumeName: v, path: f, key: \"A=B\"}"),
              ElementsAre(HasSubstr("printable ASCII characters except '='")));
  EXPECT_THAT(refErrors(emptyDir, "{volumeName: v, path: f, key: " + std::string(129, 'K') + "}"),
              ElementsAre(HasSubstr("must be no more than 128 characters")));
}

}  // namespace
}  // namespace podkeeper::manifests
