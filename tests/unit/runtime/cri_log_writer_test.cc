#include "runtime/logs/cri_log_writer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "runtime/sys/atomic_file.h"

namespace podkeeper::runtime {
namespace {

namespace fs = std::filesystem;

class CriLogWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pk-crilog-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string read(const std::string& name) {
    auto r = readWholeFile((dir_ / name).string());
    return r ? *r : "<missing>";
  }
  fs::path dir_;
};

constexpr int64_t kT = 1700000000000000000;

TEST_F(CriLogWriterTest, AppendsFormattedLines) {
  auto w = CriLogWriter::open((dir_ / "0.log").string(), 0, 5);
  ASSERT_TRUE(w.has_value()) << w.error().message;
  ASSERT_TRUE(w->write(kT, LogStream::Stdout, {"one", false}).has_value());
  ASSERT_TRUE(w->write(kT, LogStream::Stderr, {"two", true}).has_value());
  EXPECT_EQ(read("0.log"),
            "2023-11-14T22:13:20Z stdout F one\n2023-11-14T22:13:20Z stderr P two\n");
}

TEST_F(CriLogWriterTest, RotatesBySizeKeepingMaxFiles) {
  // Each line is 34 bytes; a 40-byte limit holds one line per file.
  auto w = CriLogWriter::open((dir_ / "0.log").string(), 40, 3);
  ASSERT_TRUE(w.has_value());
  for (const char* t : {"aaa", "bbb", "ccc", "ddd"}) {
    ASSERT_TRUE(w->write(kT, LogStream::Stdout, {t, false}).has_value());
  }
  EXPECT_EQ(read("0.log"), "2023-11-14T22:13:20Z stdout F ddd\n");
  EXPECT_EQ(read("0.log.1"), "2023-11-14T22:13:20Z stdout F ccc\n");
  EXPECT_EQ(read("0.log.2"), "2023-11-14T22:13:20Z stdout F bbb\n");
  EXPECT_FALSE(fs::exists(dir_ / "0.log.3"));
}

// A full disk lets part of a line through and fails the rest (RLIMIT_FSIZE does the same
// without root). The part is cut off again, so the next line starts on a line of its own.
TEST_F(CriLogWriterTest, ALineThatDoesNotFitLeavesNoPartOfItBehind) {
  auto w = CriLogWriter::open((dir_ / "0.log").string(), 0, 5);
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE(w->write(kT, LogStream::Stdout, {"one", false}).has_value());
  const std::string first = read("0.log");
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto oldHandler = ::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = first.size() + 10;  // room for the timestamp's beginning only
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const bool fitted = w->write(kT, LogStream::Stdout, {"two", false}).has_value();
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, oldHandler);
  EXPECT_FALSE(fitted);
  EXPECT_EQ(read("0.log"), first);
  ASSERT_TRUE(w->write(kT, LogStream::Stdout, {"three", false}).has_value());
  EXPECT_EQ(read("0.log"), first + "2023-11-14T22:13:20Z stdout F three\n");
}

TEST_F(CriLogWriterTest, SymlinkPlantedAsTheLogFileIsNotFollowed) {
  const auto target = dir_ / "elsewhere";
  fs::create_symlink(target, dir_ / "1.log");
  auto w = CriLogWriter::open((dir_ / "1.log").string(), 0, 5);
  EXPECT_FALSE(w.has_value());
  EXPECT_FALSE(fs::exists(target));
}

}  // namespace
}  // namespace podkeeper::runtime
