// Mode detection on fixture trees: a fake statfs and a fixture mountinfo.
#include "runtime/cgroup/layout.h"

#include <gtest/gtest.h>
#include <linux/magic.h>

#include "fixture_tree.h"
#include "runtime/cgroup/select/make_manager.h"

namespace podkeeper::runtime::cgroup {
namespace {

using testing::FixtureTree;
using testing::mountLine;

FsProbe answer(int64_t magic) {
  return [magic](const std::string&) -> Result<int64_t> { return magic; };
}

class LayoutTest : public ::testing::Test {
 protected:
  CgroupConfig config() const { return {tree_.root(), tree_.path("mountinfo")}; }
  std::string mount(const std::string& rel) const { return tree_.path(rel); }
  void writeMountinfo(const std::string& text) const { tree_.write("mountinfo", text); }
  std::string v1Mounts() const {
    return mountLine(tree_.root(), "tmpfs", "rw,mode=755") +
           mountLine(mount("cpu"), "cgroup", "rw,cpu") +
           mountLine(mount("cpuacct"), "cgroup", "rw,cpuacct") +
           mountLine(mount("memory"), "cgroup", "rw,memory") +
           mountLine(mount("pids"), "cgroup", "rw,pids") +
           mountLine(mount("systemd"), "cgroup", "rw,xattr,name=systemd");
  }

  FixtureTree tree_;
};

TEST_F(LayoutTest, Cgroup2AtTheRootIsV2) {
  writeMountinfo(mountLine(tree_.root(), "cgroup2", "rw,nsdelegate"));
  auto m = makeCgroupManager(config(), answer(CGROUP2_SUPER_MAGIC));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ((*m)->mode(), Mode::V2);
}

TEST_F(LayoutTest, V2NeedsNoMountinfo) {
  auto layout = detectLayout({tree_.root(), tree_.path("absent")}, answer(CGROUP2_SUPER_MAGIC));
  ASSERT_TRUE(layout.has_value()) << layout.error().message;
  EXPECT_EQ(layout->unified->mountPoint, tree_.root());
}

TEST_F(LayoutTest, TmpfsWithControllerMountsIsV1) {
  writeMountinfo(v1Mounts());
  auto m = makeCgroupManager(config(), answer(TMPFS_MAGIC));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ((*m)->mode(), Mode::V1);

  auto layout = detectLayout(config(), answer(TMPFS_MAGIC));
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->v1.size(), 5u);
  EXPECT_FALSE(layout->unified.has_value());
}

TEST_F(LayoutTest, TmpfsWithControllersAndACgroup2MountIsHybrid) {
  writeMountinfo(v1Mounts() + mountLine(mount("unified"), "cgroup2", "rw"));
  auto m = makeCgroupManager(config(), answer(TMPFS_MAGIC));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ((*m)->mode(), Mode::Hybrid);

  auto layout = detectLayout(config(), answer(TMPFS_MAGIC));
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->unified->mountPoint, mount("unified"));
}

TEST_F(LayoutTest, CoMountedCpuAndCpuacctAreOneHierarchyWithBothControllers) {
  writeMountinfo(mountLine(mount("cpu,cpuacct"), "cgroup", "rw,cpu,cpuacct") +
                 mountLine(mount("memory"), "cgroup", "rw,memory"));
  auto layout = detectLayout(config(), answer(TMPFS_MAGIC));
  ASSERT_TRUE(layout.has_value()) << layout.error().message;
  ASSERT_EQ(layout->v1.size(), 2u);
  EXPECT_EQ(layout->v1[0].mountPoint, mount("cpu,cpuacct"));
  EXPECT_TRUE(layout->v1[0].has("cpu"));
  EXPECT_TRUE(layout->v1[0].has("cpuacct"));
  EXPECT_TRUE(makeCgroupManager(config(), answer(TMPFS_MAGIC)).has_value());
}

TEST_F(LayoutTest, MountsOutsideTheMountRootAreIgnored) {
  writeMountinfo(v1Mounts() + mountLine("/elsewhere/unified", "cgroup2", "rw") +
                 mountLine(tree_.root() + "-other/cpu", "cgroup", "rw,cpu"));
  auto layout = detectLayout(config(), answer(TMPFS_MAGIC));
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->mode, Mode::V1);
  EXPECT_EQ(layout->v1.size(), 5u);
}

TEST_F(LayoutTest, SubRootMountRecordsTheRootAndMapsProcPaths) {
  writeMountinfo(mountLine(mount("memory"), "cgroup", "rw,memory", "/docker/abc"));
  auto layout = detectLayout(config(), answer(TMPFS_MAGIC));
  ASSERT_TRUE(layout.has_value()) << layout.error().message;
  const Hierarchy& memory = layout->v1.at(0);
  EXPECT_EQ(memory.root, "/docker/abc");
  EXPECT_EQ(memory.dirOfProcPath("/docker/abc/podkeeper/pod1"), mount("memory/podkeeper/pod1"));
  EXPECT_EQ(memory.dirOfProcPath("/docker/abc"), mount("memory"));
  EXPECT_EQ(memory.dirOfProcPath("/docker/abcdef/x"), std::nullopt);
  EXPECT_EQ(memory.dirOfProcPath("/other"), std::nullopt);
}

TEST_F(LayoutTest, RootMountIsPreferredOverASubRootMountOfTheSameHierarchy) {
  writeMountinfo(mountLine(mount("memory-sub"), "cgroup", "rw,memory", "/sub") +
                 mountLine(mount("memory"), "cgroup", "rw,memory"));
  auto layout = detectLayout(config(), answer(TMPFS_MAGIC));
  ASSERT_TRUE(layout.has_value());
  ASSERT_EQ(layout->v1.size(), 1u);
  EXPECT_EQ(layout->v1[0].mountPoint, mount("memory"));
  EXPECT_EQ(layout->v1[0].dirOfProcPath("/a/b"), mount("memory/a/b"));
  EXPECT_EQ(layout->v1[0].dirOfProcPath("/"), mount("memory"));
}

TEST_F(LayoutTest, OtherFilesystemIsAnErrorNamingTheMagic) {
  writeMountinfo(v1Mounts());
  auto layout = detectLayout(config(), answer(EXT4_SUPER_MAGIC));
  ASSERT_FALSE(layout.has_value());
  EXPECT_NE(layout.error().message.find("0xef53"), std::string::npos) << layout.error().message;
  EXPECT_NE(layout.error().message.find(tree_.root()), std::string::npos);
}

TEST_F(LayoutTest, TmpfsWithoutControllerMountsIsAnError) {
  writeMountinfo(mountLine(tree_.root(), "tmpfs", "rw"));
  EXPECT_FALSE(detectLayout(config(), answer(TMPFS_MAGIC)).has_value());
}

TEST_F(LayoutTest, MissingMemoryControllerIsAnErrorNamingIt) {
  writeMountinfo(mountLine(mount("cpu"), "cgroup", "rw,cpu") +
                 mountLine(mount("cpuacct"), "cgroup", "rw,cpuacct"));
  auto m = makeCgroupManager(config(), answer(TMPFS_MAGIC));
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message.find("memory"), std::string::npos) << m.error().message;
}

TEST_F(LayoutTest, ProbeFailureIsReturned) {
  FsProbe failing = [](const std::string& p) -> Result<int64_t> {
    return failSys(ENOENT, "statfs " + p);
  };
  auto m = makeCgroupManager(config(), failing);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ENOENT);
}

TEST_F(LayoutTest, RealStatfsReportsTheFilesystemOfAPath) {
  auto magic = statfsMagic("/proc");
  ASSERT_TRUE(magic.has_value());
  EXPECT_EQ(*magic, PROC_SUPER_MAGIC);
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
