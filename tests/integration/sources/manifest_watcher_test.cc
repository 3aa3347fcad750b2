#include "agent/manifest_watcher.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "runtime/sys/atomic_file.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_for.h"

namespace podkeeper {
namespace {

using namespace std::chrono_literals;

std::string podYaml(const std::string& name) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\nspec:\n  containers:\n  - name: c\n    image: busybox\n";
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// A watcher over a manifest directory with a last-good directory, the loop run by the test.
struct Watched {
  explicit Watched(const std::string& dir, const std::string& lastGood,
                   std::chrono::milliseconds relist = 1h)
      : watcher(std::make_unique<agent::ManifestWatcher>(
            io, dir, relist,
            [this](const agent::ManifestWatcher::Published& p) { published.push_back(p); },
            lastGood)) {
    EXPECT_TRUE(watcher->start().has_value());
  }
  size_t pods() const { return published.empty() ? 0 : published.back().snapshot.pods.size(); }
  bool runUntil(const std::function<bool()>& cond) {
    return support::waitFor(
        [&] {
          io.restart();
          io.run_for(10ms);
          return cond();
        },
        5s);
  }
  boost::asio::io_context io;
  std::vector<agent::ManifestWatcher::Published> published;
  std::unique_ptr<agent::ManifestWatcher> watcher;
};

// The last good copy of a file is written off the loop (one writer, in order); the watcher
// waits for it when it goes, so the next agent finds it and runs the file's pods while the
// file is broken. A copy removed with its file is never restored by this agent, even while
// the removal may still be queued.
TEST(ManifestWatcherLastGood, CopiesAreWrittenInOrderAndARemovedOneIsNotRestored) {
  support::TempDir root{"pk-watcher"};
  const std::string dir = root.file("manifests"), lastGood = root.file("last-good");
  std::filesystem::create_directories(dir);
  write(dir + "/a.yaml", podYaml("a"));
  {
    Watched w(dir, lastGood);
    EXPECT_EQ(w.pods(), 1u);
    write(dir + "/a.yaml", podYaml("a2"));  // a newer version: its copy replaces the first
    ASSERT_TRUE(w.runUntil(
        [&] { return w.pods() == 1 && w.published.back().snapshot.pods.contains("default/a2"); }));
  }  // the watcher waits for its writer
  auto copy = runtime::readWholeFile(lastGood + "/a.yaml");
  ASSERT_TRUE(copy);
  EXPECT_EQ(*copy, podYaml("a2"));

  write(dir + "/a.yaml", "apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n");
  Watched w(dir, lastGood);
  ASSERT_EQ(w.pods(), 1u);  // the broken file's last good version, from the copy
  EXPECT_TRUE(w.published.back().snapshot.pods.contains("default/a2"));

  std::filesystem::remove(dir + "/a.yaml");
  ASSERT_TRUE(w.runUntil([&] { return w.pods() == 0; }));
  write(dir + "/a.yaml", "apiVersion: v1\nkind: Pod\nmetadata: [unclosed again\n");
  ASSERT_TRUE(w.runUntil([&] { return w.published.back().filesWithErrors > 0; }));
  EXPECT_EQ(w.pods(), 0u);  // removed with its file: not brought back
  w.watcher.reset();
  EXPECT_FALSE(std::filesystem::exists(lastGood + "/a.yaml"));
}

// The relist (the safety net behind the events) publishes only when it found a change, and
// finds one no event brought: a file rewritten in place and not closed yet (no
// IN_CLOSE_WRITE), its modification time set in the past (not "still being written").
TEST(ManifestWatcherRelist, PublishesOnlyAChangeAndFindsOneNoEventBrought) {
  support::TempDir root{"pk-watcher"};
  const std::string dir = root.file("manifests"), file = dir + "/a.yaml";
  std::filesystem::create_directories(dir);
  write(file, podYaml("a"));
  const auto setPast = [](int fd, int secondsAgo) {
    const timespec t{::time(nullptr) - secondsAgo, 0};
    const timespec times[2] = {t, t};
    return ::futimens(fd, times) == 0;
  };
  {
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd.valid() && setPast(fd.get(), 60));  // settled: read once, then skipped
  }
  Watched w(dir, "", 20ms);
  ASSERT_EQ(w.published.size(), 1u);
  ASSERT_EQ(w.pods(), 1u);
  for (int i = 0; i < 10; ++i) {  // relists of an unchanged directory
    w.io.restart();
    w.io.run_for(20ms);
  }
  EXPECT_EQ(w.published.size(), 1u);

  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  const std::string b = podYaml("b");
  ASSERT_EQ(::write(fd.get(), b.data(), b.size()), ssize_t(b.size()));
  ASSERT_TRUE(setPast(fd.get(), 30));
  ASSERT_TRUE(w.runUntil([&] { return w.published.back().snapshot.pods.contains("default/b"); }));
  EXPECT_EQ(w.pods(), 1u);
  const size_t published = w.published.size();
  fd.reset();  // the close event: the same contents, nothing new to publish
  for (int i = 0; i < 10; ++i) {
    w.io.restart();
    w.io.run_for(20ms);
  }
  EXPECT_EQ(w.published.size(), published);
}

// Files arriving at once are decoded in slices and published at most every few milliseconds
// while more are queued: the last snapshot still has every pod, and no snapshot loses one an
// earlier one had.
TEST(ManifestWatcherBurst, EveryFileOfABurstIsInTheLastSnapshot) {
  support::TempDir root{"pk-watcher"};
  const std::string dir = root.file("manifests");
  std::filesystem::create_directories(dir);
  Watched w(dir, "");
  constexpr int kFiles = 200;
  for (int i = 0; i < kFiles; ++i) {
    const std::string name = "p" + std::to_string(i);
    write(dir + "/" + name + ".yaml.tmp", podYaml(name));
    std::filesystem::rename(dir + "/" + name + ".yaml.tmp", dir + "/" + name + ".yaml");
  }
  ASSERT_TRUE(w.runUntil([&] { return w.pods() == size_t(kFiles); })) << w.pods();
  for (size_t i = 1; i < w.published.size(); ++i)
    EXPECT_GE(w.published[i].snapshot.pods.size(), w.published[i - 1].snapshot.pods.size());
}

// A file's events are decoded off the loop ahead of their turn; a file that changed after its
// decoding and before its turn is applied as it is then, not as it was decoded.
TEST(ManifestWatcherBurst, AFileChangedAfterItsDecodingIsAppliedAsItIsThen) {
  support::TempDir root{"pk-watcher"};
  const std::string dir = root.file("manifests");
  std::filesystem::create_directories(dir);
  Watched w(dir, "");
  const auto replace = [&](const std::string& file, const std::string& name) {
    write(dir + "/" + file + ".tmp", podYaml(name));
    std::filesystem::rename(dir + "/" + file + ".tmp", dir + "/" + file);
  };
  // Three at once: decoded ahead (one or two would be decoded on the loop).
  replace("a.yaml", "first");
  replace("b.yaml", "b");
  replace("c.yaml", "c");
  // One handler: the events read, their files sent to the decoder, whose result waits.
  for (int i = 0; i < 1000; ++i) {
    w.io.restart();
    if (w.io.poll_one() > 0) break;
    std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(200ms);
  replace("a.yaml", "second");
  ASSERT_TRUE(w.runUntil([&] { return w.pods() == 3; }));
  ASSERT_TRUE(w.runUntil([&] {
    return w.published.back().snapshot.pods.contains("default/second");
  })) << w.published.back().snapshot.pods.begin()->first;
  w.io.restart();
  w.io.run_for(100ms);
  EXPECT_EQ(w.published.back().snapshot.pods.size(), 3u);
  EXPECT_TRUE(w.published.back().snapshot.pods.contains("default/second"));
  EXPECT_FALSE(w.published.back().snapshot.pods.contains("default/first"));
}

}  // namespace
}  // namespace podkeeper
