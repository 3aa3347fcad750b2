#include "runtime/cgroup/mountinfo.h"

#include <gtest/gtest.h>

namespace podkeeper::runtime::cgroup {
namespace {

TEST(ParseMountinfo, ReadsRootMountPointTypeAndSuperOptions) {
  auto m = parseMountinfo(
      "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup "
      "rw,cpu,cpuacct\n");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].root, "/");
  EXPECT_EQ((*m)[0].mountPoint, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ((*m)[0].fsType, "cgroup");
  EXPECT_EQ((*m)[0].superOptions, (std::vector<std::string>{"rw", "cpu", "cpuacct"}));
}

TEST(MountinfoLinesUnder, KeepsTheRootAndWhatLiesUnderItVerbatim) {
  const std::string text =
      "25 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "30 25 0:26 / /sys/fs/cgroup rw shared:4 - tmpfs tmpfs rw,mode=755\n"
      "31 30 0:27 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
      "32 25 0:28 / /sys/fs/cgroupies rw - tmpfs tmpfs rw\n"
      "40 25 0:4 net:[4026532] /var/lib/pk/pods/a/ns/net rw - nsfs nsfs rw\n"
      "33 30 0:29 / /sys/fs/cgroup/name\\040with\\040space rw - cgroup cgroup rw,name=x\n";
  auto kept = mountinfoLinesUnder(text, "/sys/fs/cgroup");
  ASSERT_TRUE(kept.has_value()) << kept.error().message;
  EXPECT_EQ(*kept,
            "30 25 0:26 / /sys/fs/cgroup rw shared:4 - tmpfs tmpfs rw,mode=755\n"
            "31 30 0:27 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
            "33 30 0:29 / /sys/fs/cgroup/name\\040with\\040space rw - cgroup cgroup rw,name=x\n");
  auto parsed = parseMountinfo(*kept);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->back().mountPoint, "/sys/fs/cgroup/name with space");

  auto bad = mountinfoLinesUnder("25 1 8:1 / / rw - ext4 /dev/sda1 rw\nnonsense\n", "/");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("line 2"), std::string::npos) << bad.error().message;
}

TEST(ParseMountinfo, HandlesZeroOrSeveralOptionalFields) {
  auto m = parseMountinfo(
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
      "42 31 0:39 / /x rw shared:1 master:2 propagate_from:3 - tmpfs tmpfs rw,mode=755\n");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].fsType, "cgroup2");
  EXPECT_EQ((*m)[1].fsType, "tmpfs");
  EXPECT_EQ((*m)[1].mountPoint, "/x");
}

TEST(ParseMountinfo, DecodesOctalEscapesInPaths) {
  auto m = parseMountinfo("1 0 0:1 /a\\040b /mnt/with\\040space rw - cgroup cgroup rw,pids\n");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ((*m)[0].root, "/a b");
  EXPECT_EQ((*m)[0].mountPoint, "/mnt/with space");
}

TEST(ParseMountinfo, MalformedLineIsAnErrorNamingItsNumber) {
  auto m = parseMountinfo("41 31 0:38 / /ok rw - cgroup2 cgroup2 rw\n41 31 0:38 / /bad rw\n");
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message.find("line 2"), std::string::npos) << m.error().message;
}

TEST(V1Controllers, DropsGenericOptionsAndKeepsNamedHierarchies) {
  MountEntry m;
  m.superOptions = {"rw", "xattr", "release_agent=/x", "cpu", "cpuacct"};
  EXPECT_EQ(v1Controllers(m), (std::vector<std::string>{"cpu", "cpuacct"}));
  m.superOptions = {"rw", "name=systemd"};
  EXPECT_EQ(v1Controllers(m), (std::vector<std::string>{"name=systemd"}));
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
