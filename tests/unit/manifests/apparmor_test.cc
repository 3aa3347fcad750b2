#include "manifests/apparmor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "manifests/admission.h"
#include "test_util.h"

namespace podkeeper::manifests {
namespace {

using namespace testing::decoder_names;

std::string podWith(const std::string& annotations, const std::string& containerLines,
                    const std::string& specLines = "") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations: {" + annotations +
         "}\nspec:\n  containers:\n  - name: app\n    image: busybox:1.36\n" + containerLines +
         specLines;
}

const std::string kAnnotation = "container.apparmor.security.beta.kubernetes.io/app";

TEST(AppArmor, FieldAndAnnotationDecodeAndAgree) {
  auto r = decode(podWith(kAnnotation + ": localhost/k8s-apparmor-example-deny-write",
                          "    securityContext: {appArmorProfile: {type: Localhost, "
                          "localhostProfile: k8s-apparmor-example-deny-write}}\n"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
  const Pod& pod = r.pods[0].pod;
  auto p = effectiveAppArmor(pod, pod.spec.containers[0]);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, "Localhost");
  EXPECT_EQ(p->localhostProfile, "k8s-apparmor-example-deny-write");
}

TEST(AppArmor, AnnotationThatDisagreesWithTheFieldIsRefusedAsTheApiServerDoes) {
  auto r = decode(podWith(kAnnotation + ": unconfined", "",
                          "  securityContext: {appArmorProfile: {type: RuntimeDefault}}\n"));
  EXPECT_THAT(errors(r), ElementsAre(HasSubstr("metadata.annotations[" + kAnnotation +
                                               "]: apparmor type in annotation and field must "
                                               "match")));
}

TEST(AppArmor, MalformedProfilesAndAnnotationsAreRefused) {
  EXPECT_THAT(errors(decode(podWith(kAnnotation + ": localhost/", ""))),
              ElementsAre(HasSubstr("is not a valid AppArmor profile")));
  EXPECT_THAT(errors(decode(podWith(
                  "container.apparmor.security.beta.kubernetes.io/other: runtime/default", ""))),
              ElementsAre(HasSubstr("container \"other\" is not a container of the pod")));
  EXPECT_THAT(errors(decode(podWith("",
                                    "    securityContext: {appArmorProfile: {type: "
                                    "Localhost}}\n"))),
              ElementsAre(HasSubstr("localhostProfile: must be set when type is Localhost")));
  EXPECT_THAT(errors(decode(podWith("", "    securityContext: {appArmorProfile: {type: X}}\n"))),
              ElementsAre(HasSubstr("\"X\" is not one of RuntimeDefault, Unconfined, Localhost")));
}

TEST(AppArmor, WithoutAppArmorOnTheHostOnlyUnconfinedPodsAreAdmittedWithItAllAre) {
  AdmissionPolicy none;
  for (const std::string& a :
       {std::string(""), kAnnotation + ": runtime/default", kAnnotation + ": localhost/x"}) {
    auto r = decode(podWith(a, a.empty() ? "    securityContext: {appArmorProfile: {type: "
                                           "RuntimeDefault}}\n"
                                         : ""));
    ASSERT_TRUE(r.ok()) << a;
    auto verdict = admit(r.pods[0].pod, none);
    EXPECT_EQ(verdict.reason(), "AppArmor") << a;
    EXPECT_THAT(verdict.message(),
                HasSubstr("Cannot enforce AppArmor: AppArmor is not enabled on the host"));
    AdmissionPolicy enabled;  // the host's AppArmor applies the profile at exec
    enabled.appArmorEnabled = true;
    EXPECT_TRUE(admit(r.pods[0].pod, enabled).admitted()) << a;
  }
  auto unconfined = decode(podWith(kAnnotation + ": unconfined", ""));
  ASSERT_TRUE(unconfined.ok());
  EXPECT_TRUE(admit(unconfined.pods[0].pod, none).admitted());
}

}  // namespace
}  // namespace podkeeper::manifests
