#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime_fixture.h"

// The source of the masks over /proc and /sys is the container's own null device, checked
// and taken before any volume is mounted (CVE-2025-31133 class): whatever a volume or the
// image puts at /dev/null, a masked path shows the null device, never a file of the host.
namespace podkeeper::runtime::testing {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// Prints what two masked files are (type major:minor, in hex as stat prints them) and the
// first bytes read from them (/proc/kcore is not on every kernel; these two are here).
const std::vector<std::string> kShowMasks = {
    "sh", "-c",
    "echo timer_list=$(stat -c '%F %t:%T' /proc/timer_list); "
    "echo keys=$(stat -c '%F %t:%T' /proc/keys); "
    "echo read=$(head -c 64 /proc/timer_list)$(head -c 64 /proc/keys)"};

class MaskSource : public RuntimeFixture {
 protected:
  // A host file with recognisable content, as a hostPath volume would bring it.
  std::string hostFile() {
    const std::string path = tempRoot() + "/host-secret";
    std::ofstream(path) << "host-secret-content\n";
    return path;
  }
};

TEST_F(MaskSource, HostFileMountedAtDevNullIsNotUsedToMaskProc) {
  const auto sb = makeSandbox("nullvol");
  auto spec = container(sb, "app", kShowMasks);
  spec.mounts = {{hostFile(), "", "/dev/null", false, "", "host"}};
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  EXPECT_FALSE(contains(log, "host-secret")) << log;
  EXPECT_TRUE(contains(log, "F timer_list=character special file 1:3\n")) << log;
  EXPECT_TRUE(contains(log, "F keys=character special file 1:3\n")) << log;
  EXPECT_TRUE(contains(log, "F read=\n")) << log;
}

TEST_F(MaskSource, EmptyDirMountedOverDevStillLeavesProcMasked) {
  auto sb = sandbox("devvol");
  sb.emptyDirs = {{"dev", false, std::nullopt}};
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  // What a container could have left in the emptyDir during an earlier run.
  std::ofstream(runtime_->layout().emptyDir(sb.uid, "dev") + "/null") << "planted\n";
  auto spec = container(sb, "app", kShowMasks);
  spec.mounts = {{"", "dev", "/dev", false, "", "dev"}};
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  EXPECT_FALSE(contains(log, "planted")) << log;
  EXPECT_TRUE(contains(log, "F timer_list=character special file 1:3\n")) << log;
}

TEST_F(MaskSource, ImageWithDevNullAsSymlinkStillMasksWithTheNullDevice) {
  const std::string image = tempRoot() + "/images/devlink/latest/rootfs";
  fs::create_directories(fs::path(image).parent_path());
  fs::copy(imageDir() + "/busybox/latest/rootfs", image,
           fs::copy_options::recursive | fs::copy_options::copy_symlinks |
               fs::copy_options::overwrite_existing);
  fs::create_directories(image + "/dev");
  fs::remove(image + "/dev/null");
  fs::create_symlink(hostFile(), image + "/dev/null");
  const auto sb = makeSandbox("nulllink");
  auto spec = container(sb, "app", kShowMasks);
  spec.resolvedImage = resolveImage("devlink");
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  fs::remove_all(tempRoot() + "/images/devlink");
  EXPECT_FALSE(contains(log, "host-secret")) << log;
  EXPECT_TRUE(contains(log, "F timer_list=character special file 1:3\n")) << log;
}

}  // namespace
}  // namespace podkeeper::runtime::testing
