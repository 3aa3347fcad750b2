// The real cgroup drivers (v1, v2, hybrid) over fixture trees holding the kernel's file
// formats, rendered and compared with expected exposition text in fixtures/*.prom.
// Set PK_UPDATE_GOLDEN=1 to rewrite the expected files (then review the diff by hand).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "exposition_checker.h"
#include "metrics/exporter.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/select/make_manager.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::metrics {
namespace {

namespace cg = runtime::cgroup;
namespace fs = std::filesystem;
using ::testing::IsEmpty;

const std::string kFixtures = PK_METRICS_FIXTURES;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string mountLine(const std::string& mountPoint, const std::string& fsType,
                      const std::string& superOptions) {
  return "30 20 0:30 / " + mountPoint + " rw,nosuid,nodev - " + fsType + " " + fsType + " " +
         superOptions + "\n";
}

class PodTargets : public TargetSource {
 public:
  explicit PodTargets(std::string podCgroup) : pod_(std::move(podCgroup)) {}
  std::vector<ContainerTarget> targets() const override {
    return {{"shop", "web-7d4b9", "u1", "", "", pod_, 1700000000},
            {"shop", "web-7d4b9", "u1", "app", "registry.local/app:1.2", pod_ + "/c1", 1700000010},
            {"shop", "web-7d4b9", "u1", "sidecar", "busybox:1.36", pod_ + "/c2", 1700000011},
            // Stopped: its cgroup is gone, so it must not appear.
            {"shop", "web-7d4b9", "u1", "init", "busybox:1.36", pod_ + "/c3", 1700000005}};
  }

 private:
  std::string pod_;
};

class FixedNodeUsage : public NodeUsageReader {
 public:
  Result<NodeUsage> read() const override { return NodeUsage{86400.25, 3221225472}; }
};

class GoldenTest : public ::testing::Test {
 protected:
  std::unique_ptr<cg::CgroupManager> v1(bool hybrid) {
    const std::string root = kFixtures + "/v1";
    std::string mountinfo = mountLine(root, "tmpfs", "rw");
    for (const char* h : {"cpu", "cpuacct", "memory", "pids", "freezer"}) {
      mountinfo += mountLine(root + "/" + h, "cgroup", std::string("rw,") + h);
    }
    if (hybrid) mountinfo += mountLine(root + "/unified", "cgroup2", "rw");
    std::ofstream(tmp_ + "/mountinfo") << mountinfo;
    return build(root, TMPFS_MAGIC);
  }
  std::unique_ptr<cg::CgroupManager> v2() { return build(kFixtures + "/v2", CGROUP2_SUPER_MAGIC); }

  std::unique_ptr<cg::CgroupManager> build(const std::string& root, int64_t magic) {
    auto probe = [magic](const std::string&) -> Result<int64_t> { return magic; };
    auto m = cg::makeCgroupManager({root, tmp_ + "/mountinfo"}, probe);
    if (!m) ADD_FAILURE() << m.error().message;
    return m ? std::move(*m) : nullptr;
  }

  // Renders both endpoints and compares them with fixtures/<name>.{cadvisor,resource}.prom.
  void expectGolden(const cg::CgroupManager& mgr, const std::string& podCgroup,
                    const std::string& name) {
    PodTargets targets(podCgroup);
    FixedNodeUsage node;
    Exporter exporter(targets, mgr, MachineInfo{2, 25769803776, "b00t", "m4ch1ne", ""},
                      ExporterOptions{&node, [] { return 1700000100.5; }});
    for (const char* endpoint : {"cadvisor", "resource"}) {
      std::string out;
      if (std::string(endpoint) == "cadvisor") {
        exporter.renderCadvisor(out);
      } else {
        exporter.renderResource(out);
      }
      EXPECT_THAT(testing::checkExposition(out), IsEmpty()) << endpoint;
      const std::string golden = kFixtures + "/" + name + "." + endpoint + ".prom";
      if (std::getenv("PK_UPDATE_GOLDEN")) {
        std::ofstream(golden) << out;
        continue;
      }
      EXPECT_EQ(out, readFile(golden)) << "differs from " << golden;
    }
  }

  support::TempDir tmpDir_{"pk-metrics-golden"};
  const std::string tmp_ = tmpDir_.path();
};

TEST_F(GoldenTest, V1TreeRendersAsCadvisorDoes) {
  auto mgr = v1(false);
  ASSERT_TRUE(mgr);
  ASSERT_EQ(mgr->mode(), cg::Mode::V1);
  expectGolden(*mgr, "podkeeper/burstable/podu1", "v1");
}

TEST_F(GoldenTest, HybridTreeRendersFromTheV1Hierarchies) {
  auto mgr = v1(true);
  ASSERT_TRUE(mgr);
  ASSERT_EQ(mgr->mode(), cg::Mode::Hybrid);
  expectGolden(*mgr, "podkeeper/burstable/podu1", "hybrid");
}

TEST_F(GoldenTest, V2TreeRendersAsCadvisorDoes) {
  auto mgr = v2();
  ASSERT_TRUE(mgr);
  ASSERT_EQ(mgr->mode(), cg::Mode::V2);
  expectGolden(*mgr, "podkeeper/burstable/podu2", "v2");
}

}  // namespace
}  // namespace podkeeper::metrics
