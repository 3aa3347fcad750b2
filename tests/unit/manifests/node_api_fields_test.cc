#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "manifests/decode.h"
#include "manifests/pod_json.h"
#include "manifests/stop_signal.h"
#include "test_util.h"

// The last fields of issue 19: mountPropagation, recursiveReadOnly, lifecycle.stopSignal,
// seLinuxOptions, procMount, tcpSocket hooks, os.name; decoded and validated as the API server
// does.
namespace podkeeper::manifests {
namespace {

using namespace testing::decoder_names;

std::string withMount(const std::string& mountFields, const std::string& containerLines = "") {
  return std::string(kMinimalPod) + containerLines + "    volumeMounts: [{name: v, mountPath: /v" +
         mountFields + "}]\n  volumes: [{name: v, hostPath: {path: /tmp}}]\n";
}

TEST(NodeApiFields, MountPropagationDecodes) {
  DecodeResult r = decode(withMount(", mountPropagation: HostToContainer"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  EXPECT_EQ(r.pods[0].pod.spec.containers[0].volumeMounts[0].mountPropagation, "HostToContainer");
}

TEST(NodeApiFields, BidirectionalIsForPrivilegedContainersOnly) {
  EXPECT_THAT(errors(decode(withMount(", mountPropagation: Bidirectional"))),
              ElementsAre(HasSubstr("spec.containers[0].volumeMounts[0].mountPropagation: "
                                    "Bidirectional mount propagation is available only to "
                                    "privileged containers")));
  DecodeResult ok = decode(
      withMount(", mountPropagation: Bidirectional", "    securityContext: {privileged: true}\n"));
  EXPECT_TRUE(ok.ok()) << ::testing::PrintToString(printed(ok));
  EXPECT_THAT(errors(decode(withMount(", mountPropagation: Sideways"))),
              ElementsAre(HasSubstr("mountPropagation: \"Sideways\" is not supported; supported "
                                    "values: \"Bidirectional\", \"HostToContainer\", \"None\"")));
}

TEST(NodeApiFields, RecursiveReadOnlyNeedsReadOnlyAndNoPropagation) {
  EXPECT_TRUE(decode(withMount(", readOnly: true, recursiveReadOnly: Enabled")).ok());
  EXPECT_TRUE(decode(withMount(", recursiveReadOnly: Disabled")).ok());
  EXPECT_THAT(errors(decode(withMount(", recursiveReadOnly: IfPossible"))),
              ElementsAre(HasSubstr("recursiveReadOnly: may only be specified when readOnly is "
                                    "true")));
  EXPECT_THAT(
      errors(decode(withMount(
          ", readOnly: true, recursiveReadOnly: Enabled, mountPropagation: HostToContainer"))),
      ElementsAre(HasSubstr("recursiveReadOnly: may only be specified when mountPropagation is "
                            "None or not specified")));
  EXPECT_THAT(errors(decode(withMount(", readOnly: true, recursiveReadOnly: Always"))),
              ElementsAre(HasSubstr("\"Always\" is not supported; supported values: "
                                    "\"Disabled\", \"Enabled\", \"IfPossible\"")));
}

TEST(NodeApiFields, StopSignalNeedsOsNameAndALinuxSignal) {
  const std::string lifecycle = "    lifecycle: {stopSignal: SIGUSR1}\n";
  EXPECT_THAT(errors(decode(std::string(kMinimalPod) + lifecycle)),
              ElementsAre(HasSubstr("spec.containers[0].lifecycle.stopSignal: may not be set for "
                                    "containers with empty `spec.os.name`")));
  DecodeResult ok = decode(std::string(kMinimalPod) + lifecycle + "  os: {name: linux}\n");
  ASSERT_TRUE(ok.ok()) << ::testing::PrintToString(printed(ok));
  EXPECT_EQ(ok.pods[0].pod.spec.containers[0].lifecycle->stopSignal, "SIGUSR1");
  EXPECT_THAT(errors(decode(std::string(kMinimalPod) + "    lifecycle: {stopSignal: SIGFOO}\n" +
                            "  os: {name: linux}\n")),
              ElementsAre(HasSubstr("stopSignal: \"SIGFOO\" is not supported; supported values: "
                                    "\"SIGABRT\"")));
}

TEST(NodeApiFields, StopSignalNamesMapToThisMachinesSignals) {
  EXPECT_EQ(stopSignalNumber("SIGTERM"), SIGTERM);
  EXPECT_EQ(stopSignalNumber("SIGUSR1"), SIGUSR1);
  EXPECT_EQ(stopSignalNumber("SIGRTMIN"), SIGRTMIN);
  EXPECT_EQ(stopSignalNumber("SIGRTMIN+3"), SIGRTMIN + 3);
  EXPECT_EQ(stopSignalNumber("SIGRTMAX-2"), SIGRTMAX - 2);
  EXPECT_EQ(stopSignalNumber("SIGRTMAX"), SIGRTMAX);
  EXPECT_EQ(stopSignalNumber("SIGRTMIN+16"), std::nullopt);
  EXPECT_EQ(stopSignalNumber("TERM"), std::nullopt);  // the API wants the SIG prefix
  EXPECT_EQ(stopSignalNumber("15"), std::nullopt);
}

TEST(NodeApiFields, SeLinuxOptionsAndChangePolicyDecode) {
  DecodeResult r = decode(std::string(kMinimalPod) +
                          "    securityContext: {seLinuxOptions: {level: \"s0:c123,c456\"}}\n"
                          "  securityContext:\n    seLinuxOptions: {type: spc_t}\n"
                          "    seLinuxChangePolicy: MountOption\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  const auto& spec = r.pods[0].pod.spec;
  EXPECT_EQ(spec.containers[0].securityContext->seLinuxOptions->level, "s0:c123,c456");
  EXPECT_EQ(spec.securityContext.seLinuxOptions->type, "spc_t");
  EXPECT_EQ(spec.securityContext.seLinuxChangePolicy, "MountOption");
  EXPECT_THAT(errors(decode(std::string(kMinimalPod) +
                            "  securityContext: {seLinuxChangePolicy: Sometimes}\n")),
              ElementsAre(HasSubstr("seLinuxChangePolicy: Unsupported value: \"Sometimes\"")));
}

TEST(NodeApiFields, UnmaskedProcNeedsAUserNamespace) {
  const std::string unmasked = "    securityContext: {procMount: Unmasked}\n";
  EXPECT_THAT(errors(decode(std::string(kMinimalPod) + unmasked)),
              ElementsAre(HasSubstr("spec.containers[0].securityContext.procMount: Invalid value: "
                                    "\"Unmasked\": `hostUsers` must be false to use `Unmasked`")));
  DecodeResult ok = decode(std::string(kMinimalPod) + unmasked + "  hostUsers: false\n");
  EXPECT_TRUE(ok.ok()) << ::testing::PrintToString(printed(ok));
}

TEST(NodeApiFields, TcpSocketHooksAreAcceptedAsTheApiServerAcceptsThem) {
  DecodeResult r =
      decode(std::string(kMinimalPod) + "    lifecycle: {postStart: {tcpSocket: {port: 8080}}}\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  EXPECT_EQ(r.pods[0].pod.spec.containers[0].lifecycle->postStart->tcpSocket->port.number, 8080);
  EXPECT_THAT(errors(decode(std::string(kMinimalPod) +
                            "    lifecycle: {preStop: {tcpSocket: {port: 1}, sleep: {seconds: "
                            "1}}}\n")),
              ElementsAre(HasSubstr("must have exactly one of exec, httpGet, sleep, tcpSocket")));
}

TEST(NodeApiFields, ImageVolumesDecodeWithTheDefaultPullPolicy) {
  const std::string pod = std::string(kMinimalPod) +
                          "    volumeMounts: [{name: v, mountPath: /v}]\n"
                          "  volumes:\n  - name: v\n    image: {reference: ";
  DecodeResult latest = decode(pod + "quay.io/crio/artifact:latest}\n");
  ASSERT_TRUE(latest.ok()) << ::testing::PrintToString(printed(latest));
  EXPECT_EQ(latest.pods[0].pod.spec.volumes[0].image->reference, "quay.io/crio/artifact:latest");
  EXPECT_EQ(latest.pods[0].pod.spec.volumes[0].image->pullPolicy, "Always");
  DecodeResult tagged = decode(pod + "quay.io/crio/artifact:v2}\n");
  ASSERT_TRUE(tagged.ok());
  EXPECT_EQ(tagged.pods[0].pod.spec.volumes[0].image->pullPolicy, "IfNotPresent");
  EXPECT_THAT(errors(decode(pod + "quay.io/crio/artifact:v2, pullPolicy: Sometimes}\n")),
              ElementsAre(HasSubstr("spec.volumes[0].image.pullPolicy: Unsupported value: "
                                    "\"Sometimes\"")));
  EXPECT_THAT(errors(decode(pod + "\"\"}\n")),
              ElementsAre(HasSubstr("spec.volumes[0].image.reference: Required value")));
}

TEST(NodeApiFields, NewFieldsAreOmittedFromTheSpecHashWhenUnset) {
  DecodeResult plain = decode(kMinimalPod);
  ASSERT_TRUE(plain.ok());
  const std::string json = specToJson(plain.pods[0].pod.spec).dump();
  for (const char* key :
       {"mountPropagation", "recursiveReadOnly", "stopSignal", "seLinux", "\"os\""})
    EXPECT_EQ(json.find(key), std::string::npos) << key;
  DecodeResult set = decode(withMount(", mountPropagation: HostToContainer"));
  ASSERT_TRUE(set.ok());
  EXPECT_NE(specToJson(set.pods[0].pod.spec).dump().find("HostToContainer"), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::manifests
