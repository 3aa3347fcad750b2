#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/unique_fd.h"
#include "runtime_fixture.h"

// hostPath `type` checks on real files, sockets and devices, through the runtime as the
// reconciler calls it before a pod starts.
namespace podkeeper::runtime::testing {
namespace {

namespace fs = std::filesystem;

class HostPathTypes : public RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    if (IsSkipped()) return;
    dir =
        tempRoot() + "/hostpath-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(dir);
    std::ofstream(dir + "/file") << "x";
    fs::create_directories(dir + "/subdir");
  }
  void TearDown() override {
    fs::remove_all(dir);
    RuntimeFixture::TearDown();
  }
  Result<void> check(const std::string& path, const std::string& type) {
    SandboxSpec sb = sandbox("hp");
    sb.hostPaths = {{"vol", path, type}};
    return runtime_->prepareVolumes(sb);
  }
  static mode_t umaskNow() {
    const mode_t m = ::umask(0);
    ::umask(m);
    return m;
  }
  std::string dir;
};

std::string message(const Result<void>& r) { return r ? "" : r.error().message; }

TEST_F(HostPathTypes, EmptyTypeChecksNothing) {
  EXPECT_TRUE(check(dir + "/missing", ""));
  EXPECT_FALSE(fs::exists(dir + "/missing"));
}

TEST_F(HostPathTypes, DirectoryOrCreateMakesTheDirectoryAndItsParents) {
  ASSERT_TRUE(check(dir + "/a/b/c", "DirectoryOrCreate"));
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/a/b/c").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0755 & ~umaskNow());
  EXPECT_TRUE(check(dir + "/subdir", "DirectoryOrCreate"));
}

TEST_F(HostPathTypes, DirectoryOrCreateRefusesAnExistingFile) {
  EXPECT_EQ(message(check(dir + "/file", "DirectoryOrCreate")),
            "MountVolume.SetUp failed for volume \"vol\": hostPath type check failed: " + dir +
                "/file is not a directory");
}

TEST_F(HostPathTypes, DirectoryRefusesAFileAndAMissingPath) {
  EXPECT_TRUE(check(dir + "/subdir", "Directory"));
  EXPECT_NE(message(check(dir + "/file", "Directory")).find("is not a directory"),
            std::string::npos);
  EXPECT_NE(message(check(dir + "/missing", "Directory")).find("is not a directory"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/missing"));
}

TEST_F(HostPathTypes, FileOrCreateMakesAnEmptyFileButNoParents) {
  ASSERT_TRUE(check(dir + "/new", "FileOrCreate"));
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/new").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 0);
  EXPECT_EQ(st.st_mode & 0777, 0644 & ~umaskNow());
  EXPECT_NE(message(check(dir + "/no/parent", "FileOrCreate")).find("No such file"),
            std::string::npos);
  EXPECT_EQ(readFileOr(dir + "/file"), "x") << "an existing file is left as it is";
  EXPECT_TRUE(check(dir + "/file", "FileOrCreate"));
  EXPECT_EQ(readFileOr(dir + "/file"), "x");
}

TEST_F(HostPathTypes, FileRefusesADirectory) {
  EXPECT_TRUE(check(dir + "/file", "File"));
  EXPECT_NE(message(check(dir + "/subdir", "File")).find("/subdir is not a file"),
            std::string::npos);
}

TEST_F(HostPathTypes, SocketAcceptsAListeningUnixSocketOnly) {
  const std::string path = dir + "/s.sock";
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(fd.valid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof addr.sun_path);
  std::copy(path.begin(), path.end(), addr.sun_path);
  ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_TRUE(check(path, "Socket")) << message(check(path, "Socket"));
  EXPECT_NE(message(check(dir + "/file", "Socket")).find("is not a socket file"),
            std::string::npos);
}

TEST_F(HostPathTypes, CharDeviceAcceptsDevNullButNotADirectory) {
  EXPECT_TRUE(check("/dev/null", "CharDevice"));
  EXPECT_NE(message(check(dir + "/subdir", "CharDevice")).find("is not a character device"),
            std::string::npos);
}

TEST_F(HostPathTypes, BlockDeviceAcceptsABlockNodeButNotACharDevice) {
  const std::string node = dir + "/loop-node";
  ASSERT_EQ(::mknod(node.c_str(), S_IFBLK | 0600, makedev(7, 0)), 0);
  EXPECT_TRUE(check(node, "BlockDevice"));
  EXPECT_NE(message(check("/dev/null", "BlockDevice")).find("/dev/null is not a block device"),
            std::string::npos);
}

}  // namespace
}  // namespace podkeeper::runtime::testing
