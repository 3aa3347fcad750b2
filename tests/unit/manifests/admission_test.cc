#include "manifests/admission.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.h"

namespace podkeeper::manifests {
namespace {

using ::testing::HasSubstr;

Pod plainPod() {
  auto r = testing::decode(testing::kMinimalPod);
  EXPECT_TRUE(r.ok());
  return r.pods.at(0).pod;
}

struct SysctlCase {
  const char* name;
  std::string sysctl;
  bool hostNetwork = false;
  bool hostIPC = false;
  std::vector<std::string> allowedUnsafe = {};
  std::string refusal = "";  // "" = admitted, else a part of the message
};

class AdmitSysctl : public ::testing::TestWithParam<SysctlCase> {};

TEST_P(AdmitSysctl, DecidesAsTheKubeletsAllowlist) {
  const auto& c = GetParam();
  Pod pod = plainPod();
  pod.spec.hostNetwork = c.hostNetwork;
  pod.spec.hostIPC = c.hostIPC;
  pod.spec.securityContext.sysctls = {{c.sysctl, "1"}};
  auto verdict = admit(pod, AdmissionPolicy{c.allowedUnsafe, {}});
  if (c.refusal.empty()) {
    EXPECT_TRUE(verdict.admitted()) << verdict.message();
    return;
  }
  ASSERT_FALSE(verdict.admitted());
  EXPECT_EQ(verdict.reason(), "SysctlForbidden");
  EXPECT_EQ(verdict.problems[0].field, "spec.securityContext.sysctls[0].name");
  EXPECT_THAT(verdict.problems[0].message, HasSubstr("forbidden sysctl: " + c.refusal));
}

INSTANTIATE_TEST_SUITE_P(
    Table, AdmitSysctl,
    ::testing::Values(
        SysctlCase{"safe_net", "net.ipv4.ip_local_port_range"},
        SysctlCase{"safe_ipc", "kernel.shm_rmid_forced"},
        SysctlCase{"safe_in_slash_form", "net/ipv4/tcp_syncookies"},
        SysctlCase{"every_safe_one_ping_group", "net.ipv4.ping_group_range"},
        SysctlCase{"not_namespaced",
                   "kernel.panic",
                   false,
                   false,
                   {},
                   "\"kernel.panic\" is not namespaced"},
        SysctlCase{"not_namespaced_even_if_flagged",
                   "vm.swappiness",
                   false,
                   false,
                   {"vm.swappiness"},
                   "\"vm.swappiness\" is not namespaced"},
        SysctlCase{"unsafe_namespaced_not_flagged",
                   "net.core.somaxconn",
                   false,
                   false,
                   {},
                   "\"net.core.somaxconn\" not allowlisted"},
        SysctlCase{
            "unsafe_flagged_by_name", "net.core.somaxconn", false, false, {"net.core.somaxconn"}},
        SysctlCase{"unsafe_flagged_by_prefix", "kernel.msgmax", false, false, {"kernel.msg*"}},
        SysctlCase{"prefix_does_not_cover_others",
                   "kernel.sem",
                   false,
                   false,
                   {"kernel.msg*"},
                   "\"kernel.sem\" not allowlisted"},
        SysctlCase{"safe_net_with_host_network",
                   "net.ipv4.tcp_syncookies",
                   true,
                   false,
                   {},
                   "\"net.ipv4.tcp_syncookies\" not allowed with host net enabled"},
        SysctlCase{"flagged_net_with_host_network",
                   "net.core.somaxconn",
                   true,
                   false,
                   {"net.*"},
                   "\"net.core.somaxconn\" not allowed with host net enabled"},
        SysctlCase{"safe_ipc_with_host_ipc",
                   "kernel.shm_rmid_forced",
                   false,
                   true,
                   {},
                   "\"kernel.shm_rmid_forced\" not allowed with host ipc enabled"},
        SysctlCase{"safe_net_with_host_ipc", "net.ipv4.tcp_syncookies", false, true, {}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Admit, PlainPodIsAdmitted) { EXPECT_TRUE(admit(plainPod(), {}).admitted()); }

TEST(Admit, EveryForbiddenSysctlIsNamed) {
  Pod pod = plainPod();
  pod.spec.securityContext.sysctls = {
      {"kernel.panic", "1"}, {"net.ipv4.tcp_syncookies", "1"}, {"fs.file-max", "1"}};
  auto verdict = admit(pod, {});
  ASSERT_EQ(verdict.problems.size(), 2u);
  EXPECT_EQ(verdict.problems[0].field, "spec.securityContext.sysctls[0].name");
  EXPECT_EQ(verdict.problems[1].field, "spec.securityContext.sysctls[2].name");
}

TEST(Admit, KubeletWordingOfTheMessage) {
  Pod pod = plainPod();
  pod.spec.securityContext.sysctls = {{"net.core.somaxconn", "1024"}};
  EXPECT_EQ(admit(pod, {}).message(),
            "spec.securityContext.sysctls[0].name: forbidden sysctl: \"net.core.somaxconn\" not "
            "allowlisted");
}

TEST(Admit, HttpsProbesAreAdmittedAndNamedHostsAreRefusedByPath) {
  Pod pod = plainPod();
  pod.spec.containers.push_back(pod.spec.containers[0]);
  Probe https;
  https.handler.httpGet = HTTPGetAction{};
  https.handler.httpGet->scheme = "HTTPS";
  pod.spec.containers[0].livenessProbe = Probe{};  // exec: fine
  pod.spec.containers[1].readinessProbe = https;
  pod.spec.containers[1].lifecycle = Lifecycle{};
  pod.spec.containers[1].lifecycle->preStop = LifecycleHandler{};
  pod.spec.containers[1].lifecycle->preStop->httpGet = HTTPGetAction{};
  pod.spec.containers[1].lifecycle->preStop->httpGet->host = "db.example";
  pod.spec.containers[1].lifecycle->preStop->httpGet->scheme = "HTTPS";
  auto verdict = admit(pod, {});
  ASSERT_EQ(verdict.problems.size(), 1u);
  EXPECT_EQ(verdict.reason(), "UnsupportedPodSpec");
  EXPECT_EQ(verdict.problems[0].field, "spec.containers[1].lifecycle.preStop.httpGet.host");
  EXPECT_THAT(verdict.problems[0].message, HasSubstr("\"db.example\""));
}

TEST(Admit, IpLiteralAndLocalhostProbeHostsAreAdmitted) {
  Pod pod = plainPod();
  Probe tcp;
  tcp.handler.tcpSocket = TCPSocketAction{{8080, ""}, "::1"};
  pod.spec.containers[0].livenessProbe = tcp;
  tcp.handler.tcpSocket->host = "localhost";
  pod.spec.containers[0].readinessProbe = tcp;
  tcp.handler.tcpSocket->host = "10.1.2.3";
  pod.spec.containers[0].startupProbe = tcp;
  EXPECT_TRUE(admit(pod, {}).admitted());
}

TEST(Admit, UnmaskedProcIsAdmitted) {
  Pod pod = plainPod();
  pod.spec.hostUsers = false;
  pod.spec.containers[0].securityContext = SecurityContext{};
  pod.spec.containers[0].securityContext->procMount = "Unmasked";
  EXPECT_TRUE(admit(pod, {}).admitted());
}

TEST(Admit, APodForAnotherOsIsRefusedWithTheKubeletsReason) {
  Pod pod = plainPod();
  pod.spec.osName = "linux";
  EXPECT_TRUE(admit(pod, {}).admitted());
  pod.spec.osName = "windows";
  auto verdict = admit(pod, {});
  ASSERT_FALSE(verdict.admitted());
  EXPECT_EQ(verdict.reason(), "PodOSNotSupported");
  EXPECT_EQ(verdict.problems[0].field, "spec.os.name");
  EXPECT_EQ(verdict.problems[0].message,
            "Failed to admit pod as the OS field doesn't match node OS");
}

TEST(AllowedUnsafeSysctls, NamespacedNamesAndPrefixesAreAccepted) {
  EXPECT_EQ(checkAllowedUnsafeSysctls(
                {"net.core.somaxconn", "kernel.msg*", "net.*", "fs.mqueue.*", "kernel.sem"}),
            "");
}

TEST(AllowedUnsafeSysctls, NodeWideOnesAreRefusedAsTheKubeletDoes) {
  EXPECT_THAT(checkAllowedUnsafeSysctls({"net.core.somaxconn", "kernel.panic"}),
              HasSubstr("\"kernel.panic\" is not known to be namespaced"));
  EXPECT_THAT(checkAllowedUnsafeSysctls({"kernel.*"}), HasSubstr("not known to be namespaced"));
}

TEST(AllowedUnsafeSysctls, MalformedNamesAreRefused) {
  EXPECT_THAT(checkAllowedUnsafeSysctls({"Net.Core"}), HasSubstr("\"Net.Core\""));
}

}  // namespace
}  // namespace podkeeper::manifests
