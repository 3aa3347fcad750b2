#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime_fixture.h"

// Volumes inside real containers: subPath (and its symlink escapes), recursive read-only
// mounts, downwardAPI files and fsGroup ownership.
namespace podkeeper::runtime::testing {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

class VolumeMounts : public RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    if (IsSkipped()) return;
    src = tempRoot() + "/vol-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(src);
  }
  void TearDown() override {
    if (!submount.empty()) ::umount2(submount.c_str(), MNT_DETACH);
    fs::remove_all(src);
    RuntimeFixture::TearDown();
  }
  // Runs argv to its end with the mounts given; returns its log.
  std::string run(const SandboxSpec& sb, const std::string& name, std::vector<std::string> argv,
                  std::vector<BindMount> mounts) {
    auto spec = container(sb, name, std::move(argv));
    spec.mounts = std::move(mounts);
    start(spec);
    EXPECT_TRUE(waitForExit(sb.uid, name).has_value());
    return readFileOr(spec.logPath);
  }
  Result<ContainerState> tryStart(const SandboxSpec& sb, const std::string& subPath) {
    auto spec = container(sb, "escape", {"cat", "/m/passwd"});
    spec.mounts = {{src, "", "/m", false, subPath, "vol"}};
    return runtime_->startContainer(spec);
  }
  std::string src;       // a hostPath volume's directory
  std::string submount;  // a tmpfs mounted under src by the test
};

TEST_F(VolumeMounts, SubPathMountsADirectoryInsideTheVolume) {
  const auto sb = makeSandbox("sub");
  fs::create_directories(src + "/a/b");
  std::ofstream(src + "/a/b/f") << "inside\n";
  std::ofstream(src + "/top") << "top\n";
  const auto log = run(sb, "app", {"sh", "-c", "cat /m/f; cat /m/top 2>/dev/null || echo no-top"},
                       {{src, "", "/m", false, "a/b", "vol"}});
  EXPECT_TRUE(contains(log, "F inside\n")) << log;
  EXPECT_TRUE(contains(log, "F no-top\n")) << log;
}

TEST_F(VolumeMounts, SubPathOfAFileMountsTheFile) {
  const auto sb = makeSandbox("subfile");
  std::ofstream(src + "/conf") << "setting=1\n";
  const auto log =
      run(sb, "app", {"cat", "/etc/app.conf"}, {{src, "", "/etc/app.conf", false, "conf", "vol"}});
  EXPECT_TRUE(contains(log, "F setting=1\n")) << log;
}

TEST_F(VolumeMounts, MissingSubPathDirectoriesAreCreatedWithTheVolumeRootsMode) {
  auto sb = sandbox("submk");
  sb.emptyDirs = {{"data", false, std::nullopt}};
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  const auto log = run(sb, "app", {"sh", "-c", "echo hi > /m/x && echo wrote"},
                       {{"", "data", "/m", false, "new/deeper", "data"}});
  EXPECT_TRUE(contains(log, "F wrote\n")) << log;
  const std::string vol = runtime_->layout().emptyDir(sb.uid, "data");
  EXPECT_EQ(readFileOr(vol + "/new/deeper/x"), "hi\n");
  struct stat st {};
  ASSERT_EQ(::stat((vol + "/new").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0777u);
}

TEST_F(VolumeMounts, SubPathThroughAnAbsoluteSymlinkOutOfTheVolumeIsRefused) {
  const auto sb = makeSandbox("absesc");
  fs::create_symlink("/etc", src + "/esc");
  auto r = tryStart(sb, "esc");
  ASSERT_FALSE(r.has_value()) << "mounted the host's /etc";
  EXPECT_TRUE(contains(r.error().message, "failed to prepare subPath for volumeMount \"vol\""))
      << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "leads outside the volume")) << r.error().message;
}

TEST_F(VolumeMounts, SubPathThroughADotDotSymlinkOutOfTheVolumeIsRefused) {
  const auto sb = makeSandbox("dotesc");
  fs::create_directories(src + "/a");
  fs::create_symlink("../../../../../../../../etc", src + "/a/up");
  auto r = tryStart(sb, "a/up");
  ASSERT_FALSE(r.has_value()) << "mounted the host's /etc";
  EXPECT_TRUE(contains(r.error().message, "\"a/up\" leads outside the volume"))
      << r.error().message;
}

TEST_F(VolumeMounts, SubPathWithAnEscapingSymlinkInTheMiddleIsRefused) {
  const auto sb = makeSandbox("midesc");
  fs::create_symlink("/", src + "/root");
  auto r = tryStart(sb, "root/etc");
  ASSERT_FALSE(r.has_value()) << "mounted the host's /etc";
  EXPECT_TRUE(contains(r.error().message, "\"root\" leads outside the volume"))
      << r.error().message;
}

TEST_F(VolumeMounts, SymlinkToAParentInsideTheVolumeIsFollowed) {
  const auto sb = makeSandbox("inside");
  fs::create_directories(src + "/x");
  fs::create_directories(src + "/a/b");
  std::ofstream(src + "/x/f") << "via-link\n";
  fs::create_symlink("../../x", src + "/a/b/link");
  const auto log = run(sb, "app", {"cat", "/m/f"}, {{src, "", "/m", false, "a/b/link", "vol"}});
  EXPECT_TRUE(contains(log, "F via-link\n")) << log;
}

TEST_F(VolumeMounts, SymlinkPlantedByAContainerInASharedVolumeDoesNotEscape) {
  auto sb = sandbox("planted");
  sb.emptyDirs = {{"shared", false, std::nullopt}};
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  run(sb, "planter", {"ln", "-s", "/", "/shared/evil"},
      {{"", "shared", "/shared", false, "", "shared"}});
  auto victim = container(sb, "victim", {"ls", "/m/etc"});
  victim.mounts = {{"", "shared", "/m", false, "evil", "shared"}};
  auto r = runtime_->startContainer(victim);
  ASSERT_FALSE(r.has_value()) << "the host's / was mounted into the container";
  EXPECT_TRUE(contains(r.error().message, "\"evil\" leads outside the volume"))
      << r.error().message;
}

TEST_F(VolumeMounts, ReadOnlySubPathRefusesWrites) {
  const auto sb = makeSandbox("rosub");
  fs::create_directories(src + "/d");
  const auto log = run(sb, "app", {"sh", "-c", "touch /m/x 2>/dev/null && echo rw || echo ro"},
                       {{src, "", "/m", true, "d", "vol"}});
  EXPECT_TRUE(contains(log, "F ro\n")) << log;
  EXPECT_FALSE(fs::exists(src + "/d/x"));
}

TEST_F(VolumeMounts, ReadOnlyHostPathIsReadOnlyInItsSubmountsToo) {
  const auto sb = makeSandbox("rorec");
  submount = src + "/inner";
  fs::create_directories(submount);
  ASSERT_EQ(::mount("tmpfs", submount.c_str(), "tmpfs", 0, "size=1m"), 0);
  const auto log = run(sb, "app",
                       {"sh", "-c",
                        "touch /host/inner/x 2>/dev/null && echo inner=rw || echo inner=ro; "
                        "grep ' /host/inner ' /proc/mounts"},
                       {{src, "", "/host", true, "", "vol"}});
  EXPECT_TRUE(contains(log, "F inner=ro\n")) << log;
  EXPECT_TRUE(contains(log, " /host/inner tmpfs ro,")) << log;
  EXPECT_FALSE(fs::exists(submount + "/x"));
}

TEST_F(VolumeMounts, WritableHostPathKeepsItsSubmountsWritable) {
  const auto sb = makeSandbox("rwrec");
  submount = src + "/inner";
  fs::create_directories(submount);
  ASSERT_EQ(::mount("tmpfs", submount.c_str(), "tmpfs", 0, "size=1m"), 0);
  const auto log = run(sb, "app", {"sh", "-c", "touch /host/inner/x && echo inner=rw"},
                       {{src, "", "/host", false, "", "vol"}});
  EXPECT_TRUE(contains(log, "F inner=rw\n")) << log;
  EXPECT_TRUE(fs::exists(submount + "/x"));
}

TEST_F(VolumeMounts, DownwardAPIFilesAreSeenInsideAndUpdatedInPlace) {
  auto sb = sandbox("dapi");
  sb.downwardAPIs = {{"info", {{"labels", "app=\"web\"", 0644}, {"res/cpu", "2", 0600}}}};
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  auto spec = container(sb, "app",
                        {"sh", "-c",
                         "cat /info/res/cpu; echo; touch /info/x 2>/dev/null || echo info=ro; "
                         "while true; do cat /info/labels; echo; usleep 100000; done"});
  spec.mounts = {{"", "info", "/info", true, "", "info"}};
  start(spec);
  auto log = waitForLog(spec, [](const std::string& t) { return contains(t, "F app=\"web\"\n"); });
  EXPECT_TRUE(contains(log, "F 2\n")) << log;
  EXPECT_TRUE(contains(log, "F info=ro\n")) << log;

  sb.downwardAPIs[0].files[0].content = "app=\"api\"";
  ASSERT_TRUE(runtime_->updateDownwardAPI(sb).has_value());
  log = waitForLog(spec, [](const std::string& t) { return contains(t, "F app=\"api\"\n"); });
  EXPECT_TRUE(contains(log, "F app=\"api\"\n")) << log;
}

TEST_F(VolumeMounts, FsGroupOwnsEmptyDirAndDownwardAPIFilesAndTheContainerCanWrite) {
  auto sb = sandbox("fsgroup");
  sb.fsGroup = 2345;
  sb.emptyDirs = {{"data", false, std::nullopt}};
  sb.downwardAPIs = {{"info", {{"name", "pod", 0600}}}};
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  auto spec =
      container(sb, "app", {"sh", "-c", "echo hi > /data/f && cat /info/name && echo; id -G"});
  spec.runAsUser = 1000;
  spec.runAsGroup = 1000;
  spec.supplementalGroups = {2345};
  spec.mounts = {{"", "data", "/data", false, "", "data"}, {"", "info", "/info", true, "", "info"}};
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  EXPECT_TRUE(contains(log, "F pod\n")) << log << " (a 0600 file readable through fsGroup)";
  const std::string data = runtime_->layout().emptyDir(sb.uid, "data");
  struct stat st {};
  ASSERT_EQ(::stat(data.c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, 2345u);
  EXPECT_TRUE(st.st_mode & S_ISGID);
  ASSERT_EQ(::stat((data + "/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 2345u) << "setgid directory: new files belong to the fsGroup";
  ASSERT_EQ(::stat((runtime_->layout().emptyDir(sb.uid, "info") + "/name").c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, 2345u);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(VolumeMounts, FsGroupAlwaysOwnsWhatAppearedSinceButNotWhatASymlinkPointsTo) {
  auto sb = sandbox("fsalways");
  sb.fsGroup = 2345;
  sb.emptyDirs = {{"data", false, std::nullopt}};
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  const std::string data = runtime_->layout().emptyDir(sb.uid, "data");
  fs::create_directories(data + "/later");
  std::ofstream(data + "/later/f") << "x";
  ::chmod((data + "/later/f").c_str(), 0600);
  std::ofstream(src + "/host-file") << "host";
  fs::create_symlink(src + "/host-file", data + "/link");
  struct stat host {};
  ASSERT_EQ(::stat((src + "/host-file").c_str(), &host), 0);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());  // the next container start
  struct stat st {};
  ASSERT_EQ(::stat((data + "/later/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, 2345u);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  ASSERT_EQ(::stat((data + "/later").c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_ISGID);
  ASSERT_EQ(::stat((src + "/host-file").c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, host.st_gid) << "followed a symlink out of the volume";
  EXPECT_EQ(st.st_mode, host.st_mode);
}

TEST_F(VolumeMounts, FsGroupOnRootMismatchLeavesAVolumeWithTheRightRootAlone) {
  auto sb = sandbox("fsroot");
  sb.fsGroup = 2345;
  sb.fsGroupOnRootMismatch = true;
  sb.emptyDirs = {{"data", false, std::nullopt}};
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  const std::string data = runtime_->layout().emptyDir(sb.uid, "data");
  std::ofstream(data + "/f") << "x";
  ASSERT_EQ(::chown((data + "/f").c_str(), 0, 0), 0);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  struct stat st {};
  ASSERT_EQ(::stat((data + "/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, 0u) << "the root was right: nothing below it is walked";
  ASSERT_EQ(::chown(data.c_str(), 0, 0), 0);  // the root no longer matches
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  ASSERT_EQ(::stat((data + "/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, 2345u);
}

}  // namespace
}  // namespace podkeeper::runtime::testing
