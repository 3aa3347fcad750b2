#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "manifests/decode.h"
#include "manifests/identity.h"
#include "test_util.h"

// Sidecar init containers (restartPolicy: Always on an init container).
namespace podkeeper::manifests {
namespace {

using namespace testing::decoder_names;

std::string podWithInit(const std::string& initLines, const std::string& appLines = "") {
  return R"(apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
  - name: proxy
    image: busybox
)" + initLines +
         R"(  containers:
  - name: app
    image: busybox
)" + appLines;
}

TEST(Sidecar, InitContainerWithRestartPolicyAlwaysIsASidecar) {
  DecodeResult r = decode(podWithInit("    restartPolicy: Always\n"));
  ASSERT_THAT(errors(r), ::testing::IsEmpty());
  ASSERT_EQ(r.pods.size(), 1u);
  const auto& spec = r.pods[0].pod.spec;
  EXPECT_TRUE(isSidecar(spec.initContainers[0]));
  EXPECT_FALSE(isSidecar(spec.containers[0]));
}

TEST(Sidecar, AnUnknownRestartPolicyOnAnInitContainerIsRejectedNamingFileFieldAndValue) {
  DecodeResult r = decode(podWithInit("    restartPolicy: Sometimes\n"), "/m/web.yaml");
  EXPECT_THAT(
      errors(r),
      ElementsAre(HasSubstr("/m/web.yaml:8:20: spec.initContainers[0].restartPolicy: \"Sometimes\" "
                            "is not supported; supported values: \"Always\", \"Never\", "
                            "\"OnFailure\"")));
  EXPECT_TRUE(r.pods.empty());
}

// ContainerRestartRules: an init container may run under its own OnFailure or Never, with
// rules; a sidecar may not have rules.
TEST(Sidecar, InitContainersTakeRestartRulesAndSidecarsDoNot) {
  DecodeResult r = decode(podWithInit(
      "    restartPolicy: Never\n"
      "    restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [42]}}]\n"));
  ASSERT_THAT(errors(r), ::testing::IsEmpty());
  EXPECT_FALSE(isSidecar(r.pods[0].pod.spec.initContainers[0]));
  EXPECT_THAT(errors(decode(podWithInit(
                  "    restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: "
                  "[42]}}]\n"))),
              ElementsAre(HasSubstr("spec.initContainers[0].restartPolicy: must specify "
                                    "restartPolicy when restart rules are used")));
  EXPECT_THAT(errors(decode(podWithInit(
                  "    restartPolicy: Always\n    restartPolicyRules: [{action: Restart, "
                  "exitCodes: {operator: In, values: [42]}}]\n"))),
              ElementsAre(HasSubstr("spec.initContainers[0].restartPolicyRules: Forbidden: may "
                                    "not be set for a sidecar container")));
}

// With ContainerRestartRules a regular container may have its own restartPolicy; it is not a
// sidecar (api_fields_test has the rules).
TEST(Sidecar, RestartPolicyOnARegularContainerIsItsOwnNotASidecar) {
  DecodeResult r = decode(podWithInit("", "    restartPolicy: Always\n"), "/m/web.yaml");
  EXPECT_THAT(errors(r), ::testing::IsEmpty());
  r = decode(podWithInit("", "    restartPolicy: Sometimes\n"), "/m/web.yaml");
  EXPECT_THAT(errors(r), ElementsAre(HasSubstr("spec.containers[0].restartPolicy: \"Sometimes\" "
                                               "is not supported")));
  EXPECT_TRUE(r.pods.empty());
}

TEST(Sidecar, SidecarMayHaveProbesAndHooksLikeARegularContainer) {
  DecodeResult r = decode(podWithInit(R"(    restartPolicy: Always
    readinessProbe: {exec: {command: ["true"]}}
    lifecycle: {preStop: {exec: {command: ["true"]}}}
)"));
  EXPECT_THAT(errors(r), ::testing::IsEmpty());
}

// Pods without the field keep their hash: see SpecHash.GoldenValuesAreStable.
TEST(Sidecar, SettingTheFieldChangesTheSpecHash) {
  DecodeResult plain = decode(podWithInit(""));
  DecodeResult sidecar = decode(podWithInit("    restartPolicy: Always\n"));
  ASSERT_EQ(plain.pods.size(), 1u);
  ASSERT_EQ(sidecar.pods.size(), 1u);
  EXPECT_NE(plain.pods[0].specHash, sidecar.pods[0].specHash);
  EXPECT_NE(canonicalSpec(sidecar.pods[0].pod.spec).find("\"restartPolicy\":\"Always\""),
            std::string::npos);
}

}  // namespace
}  // namespace podkeeper::manifests
