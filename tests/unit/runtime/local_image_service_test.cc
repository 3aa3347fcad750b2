#include "runtime/image/local_image_service.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

namespace podkeeper::runtime {
namespace {

namespace fs = std::filesystem;

class LocalImages : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pk-local-images-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "app/1.0/rootfs/etc");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& path, const std::string& text) {
    std::ofstream(dir_ / "app/1.0" / path) << text;
  }

  fs::path dir_;
};

TEST_F(LocalImages, ResolvesRootfsUserAndTheImagesUsersAndGroups) {
  write("config.json", R"({"config": {"User": "app"}})");
  write("rootfs/etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1500:1600::/home/app:/bin/sh\n");
  write("rootfs/etc/group", "root:x:0:\nextra:x:1700:app\n");
  auto image = LocalImageService(dir_.string()).resolve("app:1.0");
  ASSERT_TRUE(image.has_value()) << image.error().message;
  EXPECT_EQ(image->layers, std::vector<std::string>{(dir_ / "app/1.0/rootfs").string()});
  EXPECT_EQ(image->user, "app");
  EXPECT_EQ(image->passwd,
            (std::vector<PasswdEntry>{{"root", 0, 0, "/root"}, {"app", 1500, 1600, "/home/app"}}));
  EXPECT_EQ(image->groups, (std::vector<GroupEntry>{{"root", 0, {}}, {"extra", 1700, {"app"}}}));
}

TEST_F(LocalImages, ImageWithoutConfigOrUserFilesRunsAsRootWithNoEntries) {
  auto image = LocalImageService(dir_.string()).resolve("app:1.0");
  ASSERT_TRUE(image.has_value()) << image.error().message;
  EXPECT_EQ(image->user, "");
  EXPECT_TRUE(image->passwd.empty());
  EXPECT_TRUE(image->groups.empty());
}

TEST_F(LocalImages, MissingImageIsENOENTNamingTheImageAndItsPath) {
  auto image = LocalImageService(dir_.string()).resolve("app:2.0");
  ASSERT_FALSE(image.has_value());
  EXPECT_EQ(image.error().code, ENOENT);
  EXPECT_EQ(image.error().message, "image \"app:2.0\" not found: " +
                                       (dir_ / "app/2.0/rootfs").string() + " does not exist");
}

TEST_F(LocalImages, ReferenceThatCannotNameAnImageIsENOENTToo) {
  auto image = LocalImageService(dir_.string()).resolve("app@sha256:abc");
  ASSERT_FALSE(image.has_value());
  EXPECT_EQ(image.error().code, ENOENT);
  EXPECT_NE(image.error().message.find("image \"app@sha256:abc\""), std::string::npos);
}

TEST_F(LocalImages, ImageThatIsThereButUnreadableIsAnotherErrorNamingIt) {
  write("config.json", "[1]");
  auto badConfig = LocalImageService(dir_.string()).resolve("app:1.0");
  ASSERT_FALSE(badConfig.has_value());
  EXPECT_NE(badConfig.error().code, ENOENT);
  EXPECT_NE(badConfig.error().message.find("app/1.0/rootfs/../config.json"), std::string::npos)
      << badConfig.error().message;

  fs::remove(dir_ / "app/1.0/config.json");
  ASSERT_EQ(::mkfifo((dir_ / "app/1.0/rootfs/etc/passwd").c_str(), 0600), 0);
  auto fifo = LocalImageService(dir_.string()).resolve("app:1.0");
  ASSERT_FALSE(fifo.has_value());
  EXPECT_NE(fifo.error().code, ENOENT);
  EXPECT_NE(fifo.error().message.find("image \"app:1.0\""), std::string::npos)
      << fifo.error().message;
}

}  // namespace
}  // namespace podkeeper::runtime
