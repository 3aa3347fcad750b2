#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <filesystem>
#include <fstream>

#include "common/unique_fd.h"
#include "runtime_fixture.h"

// What containers write lands on disk under the root dir (--root-dir), never in the state
// dir (a tmpfs: the node's memory), and goes with the pod.
namespace podkeeper::runtime::testing {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

class StorageLayout : public RuntimeFixture {
 protected:
  SandboxSpec sandboxWithVolumes(const std::string& uid) {
    auto sb = sandbox(uid);
    sb.emptyDirs = {{"data", false, std::nullopt}, {"ram", true, 1 << 20}};
    sandboxes_.push_back(sb.uid);
    auto r = runtime_->ensureSandbox(sb);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return sb;
  }
  void runWriter(const SandboxSpec& sb) {
    auto spec = container(sb, "app",
                          {"sh", "-c",
                           "echo layer > /etc/new-file; echo vol > /data/x; "
                           "echo bye > /dev/termination-log; echo done"});
    spec.mounts = {{"", "data", "/data", false, "", "data"}};
    spec.terminationMessagePath = "/dev/termination-log";
    start(spec);
    ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
    EXPECT_TRUE(contains(readFileOr(spec.logPath), "F done\n")) << readFileOr(spec.logPath);
  }
  std::string podData(const std::string& uid) { return rootDir() + "/pods/" + uid; }
};

TEST_F(StorageLayout, WritableLayerLandsUnderTheRootDir) {
  const auto sb = sandboxWithVolumes("layer");
  runWriter(sb);
  EXPECT_EQ(readFileOr(podData(sb.uid) + "/containers/app/upper/etc/new-file"), "layer\n");
  EXPECT_FALSE(fs::exists(stateDir() + "/pods/" + sb.uid + "/containers/app/upper"));
}

TEST_F(StorageLayout, DiskEmptyDirLandsUnderTheRootDir) {
  const auto sb = sandboxWithVolumes("emptydir");
  runWriter(sb);
  EXPECT_EQ(readFileOr(podData(sb.uid) + "/volumes/data/x"), "vol\n");
  EXPECT_FALSE(fs::exists(stateDir() + "/pods/" + sb.uid + "/volumes"));
}

TEST_F(StorageLayout, TerminationMessageFileLandsUnderTheRootDir) {
  const auto sb = sandboxWithVolumes("termmsg");
  runWriter(sb);
  EXPECT_EQ(readFileOr(podData(sb.uid) + "/containers/app/termination-log"), "bye\n");
  EXPECT_EQ(observe(sb.uid, "app").terminationMessage, "bye\n");
}

TEST_F(StorageLayout, MemoryEmptyDirIsATmpfsOfItsSizeLimit) {
  const auto sb = sandboxWithVolumes("ram");
  struct statfs fsInfo {};
  ASSERT_EQ(::statfs((podData(sb.uid) + "/volumes/ram").c_str(), &fsInfo), 0);
  EXPECT_EQ(fsInfo.f_type, TMPFS_MAGIC);
  EXPECT_EQ(uint64_t(fsInfo.f_blocks) * fsInfo.f_bsize, uint64_t(1) << 20);
}

TEST_F(StorageLayout, RootDirOfThePodGoesWithThePod) {
  const auto sb = sandboxWithVolumes("gone");
  runWriter(sb);
  ASSERT_TRUE(runtime_->removeSandbox(sb.uid).has_value());
  EXPECT_FALSE(fs::exists(podData(sb.uid)));
  EXPECT_FALSE(fs::exists(stateDir() + "/pods/" + sb.uid));
}

TEST_F(StorageLayout, ARestartedContainerGetsAnEmptyWritableLayer) {
  const auto sb = sandboxWithVolumes("restart");
  runWriter(sb);
  ASSERT_TRUE(runtime_->removeContainer(sb.uid, "app").has_value());
  EXPECT_FALSE(fs::exists(podData(sb.uid) + "/containers/app"));
}

TEST_F(StorageLayout, DataLeftWithoutStateIsListedSoTheAgentRemovesIt) {
  // After a reboot the state dir (tmpfs) is empty but the root dir still holds the data.
  fs::create_directories(podData("orphan") + "/volumes/data");
  std::ofstream(podData("orphan") + "/volumes/data/x") << "left";
  sandboxes_.push_back("orphan");
  auto listed = runtime_->list();
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  bool found = false;
  for (const auto& s : *listed) found |= s.uid == "orphan";
  EXPECT_TRUE(found);
  ASSERT_TRUE(runtime_->removeSandbox("orphan").has_value());
  EXPECT_FALSE(fs::exists(podData("orphan")));
}

// 10000 levels: far past PATH_MAX, where std::filesystem::remove_all failed.
TEST_F(StorageLayout, AnEmptyDirTreeFarDeeperThanPathMaxIsRemovedWithThePod) {
  const auto sb = sandboxWithVolumes("deep");
  UniqueFd cur(::open((podData(sb.uid) + "/volumes/data").c_str(), O_RDONLY | O_DIRECTORY));
  for (int i = 0; i < 10000 && cur.valid(); ++i) {
    ASSERT_EQ(::mkdirat(cur.get(), "d", 0755), 0);
    cur = UniqueFd(::openat(cur.get(), "d", O_RDONLY | O_DIRECTORY));
  }
  ASSERT_TRUE(cur.valid());
  cur.reset();
  auto r = runtime_->removeSandbox(sb.uid);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(fs::exists(podData(sb.uid)));
}

}  // namespace
}  // namespace podkeeper::runtime::testing
