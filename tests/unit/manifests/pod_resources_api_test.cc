#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "manifests/admission.h"
#include "manifests/qos.h"
#include "test_util.h"

// Extended resources (example.com/dongle) and pod-level resources (spec.resources).
namespace podkeeper::manifests {
namespace {

using namespace testing::decoder_names;

std::string podWith(const std::string& containerLines, const std::string& specLines = "") {
  return std::string(kMinimalPod) + containerLines + specLines;
}

Pod decoded(const std::string& yaml) {
  auto r = decode(yaml);
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  return r.ok() ? r.pods.at(0).pod : Pod{};
}

Pod dongles(const std::string& name, int n) {
  Pod p = decoded(
      podWith("    resources: {limits: {example.com/dongle: " + std::to_string(n) + "}}\n"));
  p.metadata.name = name;
  return p;
}

AdmissionPolicy advertising(int64_t dongles) {
  AdmissionPolicy policy;
  policy.extendedResources["example.com/dongle"] = dongles;
  return policy;
}

TEST(ExtendedResources, DecodeAsWholeNumbersAndTheRequestDefaultsToTheLimit) {
  Pod p = dongles("web", 2);
  const auto& r = p.spec.containers[0].resources;
  EXPECT_EQ(r.limits.extended.at("example.com/dongle"), 2);
  EXPECT_EQ(r.requests.extended.at("example.com/dongle"), 2);
}

TEST(ExtendedResources, AreValidatedAsTheApiServerDoes) {
  EXPECT_THAT(errors(decode(podWith("    resources: {limits: {example.com/dongle: 500m}}\n"))),
              ElementsAre(HasSubstr("limits.example.com/dongle: \"500m\" must be a whole number")));
  EXPECT_THAT(errors(decode(podWith("    resources: {requests: {example.com/dongle: 1}}\n"))),
              ElementsAre(HasSubstr("resources.limits.example.com/dongle: Limit must be set for "
                                    "non overcommitable resources")));
  EXPECT_THAT(errors(decode(podWith("    resources: {requests: {example.com/dongle: 1}, limits: "
                                    "{example.com/dongle: 2}}\n"))),
              ElementsAre(HasSubstr("must be equal to example.com/dongle limit of \"2\"")));
  EXPECT_THAT(errors(decode(podWith("    resources: {limits: {dongle: 1}}\n"))),
              ElementsAre(HasSubstr("resource \"dongle\" is not supported")));
}

TEST(ExtendedResources, RefusedWithOutOfWhenTheNodeDoesNotAdvertiseThem) {
  auto verdict = admit(dongles("web", 1), AdmissionPolicy{});
  EXPECT_EQ(verdict.reason(), "OutOfexample.com/dongle");
  EXPECT_THAT(verdict.message(), HasSubstr("Node didn't have enough resource: example.com/dongle, "
                                           "requested: 1, used: 0, capacity: 0"));
  EXPECT_TRUE(admit(dongles("web", 1), advertising(1)).admitted());
}

TEST(ExtendedResources, AreCountedAcrossPodsInAdmissionOrder) {
  Pod a = dongles("a", 2), b = dongles("b", 1), c = dongles("c", 1);
  auto verdicts = admitAll({&a, &b, &c}, advertising(3));
  ASSERT_EQ(verdicts.size(), 3u);
  EXPECT_TRUE(verdicts[0].admitted());
  EXPECT_TRUE(verdicts[1].admitted());
  EXPECT_THAT(verdicts[2].message(), HasSubstr("requested: 1, used: 3, capacity: 3"));
  // A refused pod holds nothing.
  Pod big = dongles("big", 5);
  verdicts = admitAll({&big, &a}, advertising(3));
  EXPECT_FALSE(verdicts[0].admitted());
  EXPECT_TRUE(verdicts[1].admitted());
}

TEST(ExtendedResources, InitContainersCountAsTheKubeletCountsThem) {
  Pod p = decoded(std::string(kMinimalPod) + R"(    resources: {limits: {example.com/dongle: 1}}
  initContainers:
  - {name: side, image: busybox:1.36, restartPolicy: Always, resources: {limits: {example.com/dongle: 1}}}
  - {name: init, image: busybox:1.36, resources: {limits: {example.com/dongle: 3}}}
)");
  EXPECT_EQ(podExtendedRequests(p.spec).at("example.com/dongle"), 4);  // side + init
}

TEST(ExtendedResources, FlagIsParsedAndCheckedAsTheKubeletWould) {
  AdmissionPolicy policy;
  EXPECT_EQ(addExtendedResource("example.com/dongle=4", policy), "");
  EXPECT_EQ(policy.extendedResources.at("example.com/dongle"), 4);
  EXPECT_THAT(addExtendedResource("dongle=4", policy), HasSubstr("domain-qualified NAME"));
  EXPECT_THAT(addExtendedResource("example.com/dongle=0.5", policy), HasSubstr("whole number"));
  EXPECT_THAT(addExtendedResource("example.com/dongle", policy), HasSubstr("NAME=QUANTITY"));
}

TEST(PodLevelResources, DecodeAndSetTheQosClassFromPodLevelValues) {
  Pod p = decoded(podWith("", "  resources: {limits: {cpu: 500m, memory: 64Mi}}\n"));
  ASSERT_TRUE(p.spec.resources);
  EXPECT_EQ(p.spec.resources->requests.cpuMilli, 500);
  EXPECT_EQ(qosClass(p.spec), QosClass::Guaranteed);  // containers set nothing
  p = decoded(podWith("    resources: {limits: {cpu: 100m, memory: 8Mi}}\n",
                      "  resources: {requests: {cpu: 200m}}\n"));
  EXPECT_EQ(qosClass(p.spec), QosClass::Burstable);
}

TEST(PodLevelResources, AreValidatedAgainstTheContainersAsTheApiServerDoes) {
  EXPECT_THAT(errors(decode(podWith("",
                                    "  resources: {requests: {cpu: \"1\"}, limits: {cpu: "
                                    "500m}}\n"))),
              ElementsAre(HasSubstr("spec.resources.requests.cpu: \"1\" must be less than or equal "
                                    "to cpu limit of \"500m\"")));
  EXPECT_THAT(errors(decode(podWith("    resources: {requests: {memory: 128Mi}}\n",
                                    "  resources: {requests: {memory: 64Mi}}\n"))),
              ElementsAre(HasSubstr("spec.resources.requests.memory: \"64Mi\" must be greater "
                                    "than or equal to aggregate container requests of \"128Mi\"")));
  EXPECT_THAT(errors(decode(podWith("    resources: {limits: {cpu: \"2\"}}\n",
                                    "  resources: {limits: {cpu: \"1\"}}\n"))),
              Contains(HasSubstr("spec.resources.limits.cpu: \"1\" must be greater than or equal "
                                 "to the limit of container \"app\"")));
  EXPECT_THAT(errors(decode(podWith("", "  resources: {limits: {ephemeral-storage: 1Gi}}\n"))),
              ElementsAre(HasSubstr("spec.resources.limits.ephemeral-storage: is not supported at "
                                    "pod level")));
}

}  // namespace
}  // namespace podkeeper::manifests
