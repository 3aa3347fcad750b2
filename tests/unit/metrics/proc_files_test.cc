#include "metrics/proc_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "metrics/machine.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::metrics {
namespace {

constexpr const char* kMeminfo =
    "MemTotal:       24576000 kB\nMemFree:         4000000 kB\n"
    "MemAvailable:   20000000 kB\nInactive(file):  3000000 kB\n";
constexpr const char* kProcStat =
    "cpu  100 5 50 9000 20 3 2 1 0 0\ncpu0 50 2 25 4500 10 1 1 0 0 0\n"
    "intr 1 2 3\nbtime 1699990000\n";

TEST(ProcFiles, MeminfoValuesAreConvertedFromKibToBytes) {
  EXPECT_EQ(meminfoBytes(kMeminfo, "MemTotal"), 24576000ull * 1024);
  EXPECT_EQ(meminfoBytes(kMeminfo, "Inactive(file)"), 3000000ull * 1024);
  EXPECT_FALSE(meminfoBytes(kMeminfo, "SwapTotal"));
}

TEST(ProcFiles, MeminfoKeyMustMatchWholeName) { EXPECT_FALSE(meminfoBytes(kMeminfo, "Mem")); }

TEST(ProcFiles, BusyTicksExcludeIdleAndIowait) {
  EXPECT_EQ(procStatBusyTicks(kProcStat), 100u + 5 + 50 + 3 + 2 + 1);
}

TEST(ProcFiles, BootTimeIsRead) { EXPECT_EQ(procStatBootTime(kProcStat), 1699990000u); }

TEST(ProcFiles, PidStatSurvivesParenthesesAndSpacesInComm) {
  std::string stat =
      "42 (my (odd) prog) S 1 42 42 0 -1 4194560 100 0 0 0 "
      "250 125 0 0 20 0 3 0 8000 123456789 2048 18446744073709551615";
  auto s = parseProcPidStat(stat);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->utimeTicks, 250u);
  EXPECT_EQ(s->stimeTicks, 125u);
  EXPECT_EQ(s->startTimeTicks, 8000u);
  EXPECT_EQ(s->virtualBytes, 123456789u);
  EXPECT_EQ(s->rssPages, 2048u);
}

TEST(ProcFiles, TruncatedPidStatIsRejected) { EXPECT_FALSE(parseProcPidStat("42 (x) S 1 2 3")); }

TEST(ProcFiles, MaxOpenFilesIsTheSoftLimit) {
  EXPECT_EQ(maxOpenFiles("Limit  Soft Limit  Hard Limit  Units\n"
                         "Max open files            1024                 524288       files\n"),
            1024u);
}

TEST(NodeUsage, WorkingSetIsUsedMemoryMinusInactiveFile) {
  auto u = nodeUsageFrom(kProcStat, kMeminfo, 100);
  ASSERT_TRUE(u);
  EXPECT_DOUBLE_EQ(u->workingSetBytes, (24576000.0 - 4000000 - 3000000) * 1024);
  EXPECT_DOUBLE_EQ(u->cpuSeconds, 1.61);
}

TEST(NodeUsage, UnparsableStatNamesTheProblem) {
  auto u = nodeUsageFrom("garbage", kMeminfo, 100);
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message.find("cpu"), std::string::npos);
}

TEST(MachineInfo, MissingMeminfoNamesThePath) {
  auto m = readMachineInfo({"/nonexistent-proc", "/nonexistent-sys", "/nonexistent-etc"});
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("/nonexistent-proc/meminfo"), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::metrics

namespace podkeeper::metrics {
namespace {

class MachineFixture : public ::testing::Test {
 protected:
  void write(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(root + "/" + rel).parent_path());
    std::ofstream(root + "/" + rel) << text;
  }
  support::TempDir tmp_{"pk-metrics-machine"};
  const std::string root = tmp_.path();
};

TEST_F(MachineFixture, MachineInfoReadsMemTotalAndIdentities) {
  write("proc/meminfo", "MemTotal:  2048 kB\nMemFree: 1 kB\n");
  write("proc/sys/kernel/random/boot_id", "b-1\n");
  write("etc/machine-id", "m-1\n");
  auto m = readMachineInfo({root + "/proc", root + "/sys", root + "/etc"});
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->memoryBytes, 2048u * 1024);
  EXPECT_EQ(m->bootId, "b-1");
  EXPECT_EQ(m->machineId, "m-1");
  EXPECT_EQ(m->systemUuid, "");  // unreadable files leave the label empty
  EXPECT_GT(m->cpuCores, 0u);
}

TEST_F(MachineFixture, ProcNodeUsageReaderReadsStatAndMeminfo) {
  write("stat", "cpu  100 0 100 5000 0 0 0 0 0 0\n");
  write("meminfo", "MemTotal: 1000 kB\nMemFree: 400 kB\nInactive(file): 100 kB\n");
  auto u = ProcNodeUsageReader(root).read();
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_DOUBLE_EQ(u->workingSetBytes, 500.0 * 1024);
  EXPECT_GT(u->cpuSeconds, 0);
}

}  // namespace
}  // namespace podkeeper::metrics
