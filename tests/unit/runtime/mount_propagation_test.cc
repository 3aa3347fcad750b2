#include "runtime/linux/mount_propagation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/bundle/shim_config.h"

// mountPropagation's check of the host's mounts (containerd's ensureShared and
// ensureSharedOrSlave) and its way through the shim's config.
namespace podkeeper::runtime {
namespace {

using ::testing::HasSubstr;

std::vector<cgroup::MountEntry> hostMounts() {
  auto parsed = cgroup::parseMountinfo(
      "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
      "50 27 0:40 / /srv rw shared:7 - tmpfs tmpfs rw\n"
      "51 27 0:41 / /media rw master:3 - tmpfs tmpfs rw\n"
      "52 50 0:42 / /srv/private rw - tmpfs tmpfs rw\n"
      "53 27 0:43 / /srvx rw - tmpfs tmpfs rw\n");
  EXPECT_TRUE(parsed.has_value());
  return parsed.value_or(std::vector<cgroup::MountEntry>{});
}

TEST(MountInfo, PropagationTagsAreKept) {
  auto mounts = hostMounts();
  ASSERT_EQ(mounts.size(), 5u);
  EXPECT_TRUE(mounts[0].optionalFields.empty());
  EXPECT_EQ(mounts[1].optionalFields, std::vector<std::string>{"shared:7"});
  EXPECT_EQ(mounts[1].fsType, "tmpfs");
}

TEST(SourcePropagation, BidirectionalNeedsASharedMount) {
  const auto m = hostMounts();
  EXPECT_TRUE(checkSourcePropagation(m, "/srv/data", MountPropagation::Bidirectional));
  auto r = checkSourcePropagation(m, "/var/lib/x", MountPropagation::Bidirectional);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "path \"/var/lib/x\" is mounted on \"/\" but it is not a shared mount");
  // The innermost mount decides, and a mount point's name is not a prefix match.
  EXPECT_FALSE(checkSourcePropagation(m, "/srv/private/a", MountPropagation::Bidirectional));
  EXPECT_FALSE(checkSourcePropagation(m, "/srvx", MountPropagation::Bidirectional));
  EXPECT_FALSE(checkSourcePropagation(m, "/media", MountPropagation::Bidirectional));
}

TEST(SourcePropagation, HostToContainerNeedsASharedOrSlaveMount) {
  const auto m = hostMounts();
  EXPECT_TRUE(checkSourcePropagation(m, "/srv", MountPropagation::HostToContainer));
  EXPECT_TRUE(checkSourcePropagation(m, "/media/usb", MountPropagation::HostToContainer));
  auto r = checkSourcePropagation(m, "/srvx/a", MountPropagation::HostToContainer);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("is mounted on \"/srvx\" but it is not a shared or "
                                           "slave mount"));
  EXPECT_TRUE(checkSourcePropagation(m, "/srvx/a", MountPropagation::Private));
}

TEST(ShimConfigMounts, PropagationAndRecursiveReadOnlyRoundTrip) {
  ShimConfig c;
  c.containerName = "app";
  c.argv = {"sh"};
  c.lowerDirs = {"/l"};
  c.sandboxDir = "/s";
  c.logPath = "/log";
  c.cgroupPath = "p/c";
  c.shimCgroup = "p/shims";
  c.unmaskedProc = true;
  c.mounts = {{"/a", "/b", true, "", "v", MountPropagation::HostToContainer, false},
              {"/c", "/d", false, "", "w", MountPropagation::Bidirectional, true},
              {"/e", "/f", false}};
  auto back = decodeShimConfig(encodeShimConfig(c), "config.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->mounts, c.mounts);
  EXPECT_TRUE(back->unmaskedProc);
}

}  // namespace
}  // namespace podkeeper::runtime
