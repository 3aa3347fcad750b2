// `podkeeper validate` and the agent decide admission with one function; this runs both on
// the same manifests, through their own code paths, and checks that they agree.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/validate_command.h"
#include "manifests/manifest_set.h"
#include "reconciler/reconciler.h"
#include "tests/support/fake_handlers.h"
#include "tests/support/fake_image_service.h"
#include "tests/support/fake_runtime.h"

namespace podkeeper::agent {
namespace {

namespace fs = std::filesystem;

struct ParityCase {
  const char* name;
  std::string specLines;  // under spec:, after the container
  std::vector<std::string> allowedUnsafe = {};
  bool runs = true;
};

std::string manifest(const std::string& specLines) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: web, uid: web-uid}\nspec:\n"
         "  containers:\n  - name: app\n    image: busybox\n    command: [sleep, '3600']\n" +
         specLines;
}

class ValidateAndAgent : public ::testing::TestWithParam<ParityCase> {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("pk-parity-" + std::to_string(::getpid()) + "-" +
         std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" + GetParam().name);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  bool validateAccepts(const std::string& file, const manifests::AdmissionPolicy& policy) {
    std::ostringstream out, err;
    return runValidate({file}, false, out, err, policy) == 0;
  }

  // The agent's path: the watcher's ManifestSet, then the reconciler with the same policy.
  bool agentRuns(const std::string& file, const std::string& text,
                 const manifests::AdmissionPolicy& policy) {
    manifests::ManifestSet set;
    set.update(file, text);
    auto snap = set.snapshot();
    reconciler::testing::FakeRuntime runtime;
    reconciler::testing::FakeImageService images;
    reconciler::testing::FakeClock clock;
    reconciler::testing::FakeHandlers handlers;
    reconciler::NodePaths paths{"/var/log/pods", "pk", "node1", "10.0.0.1", 2000, 1 << 30};
    paths.admission = policy;
    reconciler::Reconciler r(runtime, images, clock, paths, {}, &handlers);
    for (const auto& key : r.setDesired(snap.pods)) (void)r.reconcile(key);
    return !runtime.ensured.empty();
  }

  fs::path dir_;
};

TEST_P(ValidateAndAgent, Agree) {
  const auto& c = GetParam();
  const std::string text = manifest(c.specLines);
  const std::string file = (dir_ / "web.yaml").string();
  std::ofstream(file) << text;
  manifests::AdmissionPolicy policy;
  policy.allowedUnsafeSysctls = c.allowedUnsafe;
  const bool validated = validateAccepts(file, policy);
  const bool ran = agentRuns(file, text, policy);
  EXPECT_EQ(validated, ran) << "validate " << (validated ? "accepts" : "refuses") << ", the agent "
                            << (ran ? "runs it" : "does not");
  EXPECT_EQ(ran, c.runs);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidateAndAgent,
    ::testing::Values(
        ParityCase{"plain", ""},
        ParityCase{
            "safe_sysctl",
            "  securityContext:\n    sysctls: [{name: net.ipv4.tcp_syncookies, value: '1'}]\n"},
        ParityCase{"node_wide_sysctl",
                   "  securityContext:\n    sysctls: [{name: kernel.panic, value: '10'}]\n",
                   {},
                   false},
        ParityCase{"unsafe_sysctl_not_allowed",
                   "  securityContext:\n    sysctls: [{name: net.core.somaxconn, value: '1'}]\n",
                   {},
                   false},
        ParityCase{"unsafe_sysctl_allowed",
                   "  securityContext:\n    sysctls: [{name: net.core.somaxconn, value: '1'}]\n",
                   {"net.core.*"}},
        ParityCase{"net_sysctl_with_host_network",
                   "  hostNetwork: true\n  securityContext:\n"
                   "    sysctls: [{name: net.ipv4.tcp_syncookies, value: '1'}]\n",
                   {},
                   false},
        ParityCase{"https_probe", "    livenessProbe: {httpGet: {port: 80, scheme: HTTPS}}\n"},
        ParityCase{"http_probe", "    livenessProbe: {httpGet: {port: 80}}\n"},
        ParityCase{"probe_host_name",
                   "    readinessProbe: {tcpSocket: {port: 80, host: db.example}}\n",
                   {},
                   false},
        ParityCase{"unmasked_proc", "    securityContext: {procMount: Unmasked}\n", {}, false},
        ParityCase{"unmasked_proc_in_a_user_namespace",
                   "    securityContext: {procMount: Unmasked}\n  hostUsers: false\n"},
        ParityCase{"windows_pod", "  os: {name: windows}\n", {}, false},
        ParityCase{"linux_pod_with_stop_signal",
                   "    lifecycle: {stopSignal: SIGUSR1}\n  os: {name: linux}\n"},
        ParityCase{"not_utf8", "    env: [{name: CITY, value: \"M\xfcnchen\"}]\n", {}, false},
        ParityCase{"bad_quantity", "    resources: {limits: {memory: 12QiB}}\n", {}, false}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace podkeeper::agent
