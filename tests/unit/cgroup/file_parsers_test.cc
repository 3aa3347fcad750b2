#include "runtime/cgroup/file_parsers.h"

#include <gtest/gtest.h>

#include "runtime/cgroup/v1/cpuacct_v1.h"
#include "runtime/cgroup/v2/cpu_v2.h"
#include "runtime/cgroup/v2/memory_v2.h"

namespace podkeeper::runtime::cgroup {
namespace {

TEST(ParseUint, AcceptsANumberWithTrailingNewline) {
  EXPECT_EQ(parseUint("1048576\n"), 1048576u);
  EXPECT_EQ(parseUint("18446744073709551615"), UINT64_MAX);
}

TEST(ParseUint, RejectsEmptyNegativeAndTrailingGarbage) {
  EXPECT_EQ(parseUint(""), std::nullopt);
  EXPECT_EQ(parseUint("\n"), std::nullopt);
  EXPECT_EQ(parseUint("-1"), std::nullopt);
  EXPECT_EQ(parseUint("12ab"), std::nullopt);
  EXPECT_EQ(parseUint("max"), std::nullopt);
  EXPECT_EQ(parseUint("18446744073709551616"), std::nullopt);
}

TEST(ParseInt, AcceptsMinusOne) { EXPECT_EQ(parseInt("-1\n"), -1); }

TEST(ParseMaxOrUint, MaxMeansUnlimited) {
  auto v = parseMaxOrUint("max\n");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, std::nullopt);
}

TEST(ParseMaxOrUint, NumberIsTheLimit) { EXPECT_EQ(parseMaxOrUint("4096\n").value(), 4096u); }

TEST(ParseMaxOrUint, GarbageIsAnErrorQuotingTheText) {
  auto v = parseMaxOrUint("maximum\n");
  ASSERT_FALSE(v.has_value());
  EXPECT_NE(v.error().message.find("\"maximum\""), std::string::npos);
}

TEST(ScanFlatKeyed, FillsRequestedKeysInOnePassAndIgnoresOthers) {
  std::optional<uint64_t> a, b, missing;
  const FlatKey keys[] = {{"nr_periods", &a}, {"throttled_time", &b}, {"nope", &missing}};
  scanFlatKeyed("nr_periods 12\nnr_throttled 3\nthrottled_time 456789\nnr_bursts 0\n", keys);
  EXPECT_EQ(a, 12u);
  EXPECT_EQ(b, 456789u);
  EXPECT_EQ(missing, std::nullopt);
}

TEST(FlatKeyedValue, MatchesWholeKeysOnly) {
  const std::string_view stat = "total_rss 10\nrss 20\ntotal_rss_huge 30\n";
  EXPECT_EQ(flatKeyedValue(stat, "rss"), 20u);
  EXPECT_EQ(flatKeyedValue(stat, "total_rss"), 10u);
  EXPECT_EQ(flatKeyedValue(stat, "total"), std::nullopt);
}

TEST(FlatKeyedValue, ReadsTheLastLineWithoutNewline) {
  EXPECT_EQ(flatKeyedValue("oom_kill_disable 0\nunder_oom 0\noom_kill 7", "oom_kill"), 7u);
}

TEST(ParseCpuMax, ReadsQuotaAndPeriod) {
  EXPECT_EQ(parseCpuMax("50000 100000\n"), (CpuMax{50000, 100000}));
}

TEST(ParseCpuMax, MaxQuotaIsNoQuota) {
  EXPECT_EQ(parseCpuMax("max 100000\n"), (CpuMax{std::nullopt, 100000}));
}

TEST(ParseCpuMax, RejectsMalformedText) {
  EXPECT_EQ(parseCpuMax("max"), std::nullopt);
  EXPECT_EQ(parseCpuMax("x 100000"), std::nullopt);
  EXPECT_EQ(parseCpuMax("max y"), std::nullopt);
}

TEST(V1MemoryLimit, KernelUnlimitedValueIsNoLimit) {
  EXPECT_EQ(v1MemoryLimit(9223372036854771712ULL, 4096), std::nullopt);
  EXPECT_EQ(v1MemoryLimit(9223372036854710272ULL, 65536), std::nullopt);
}

TEST(V1MemoryLimit, RealLimitIsKept) {
  EXPECT_EQ(v1MemoryLimit(134217728, 4096), 134217728u);
  EXPECT_EQ(v1MemoryLimit(9223372036854771712ULL - 4096, 4096), 9223372036854767616ULL);
}

TEST(AppendPids, ReadsOnePidPerLine) {
  std::vector<pid_t> pids{1};
  appendPids("42\n4242\n", pids);
  EXPECT_EQ(pids, (std::vector<pid_t>{1, 42, 4242}));
}

TEST(CountLines, CountsNonEmptyLines) {
  EXPECT_EQ(countLines(""), 0u);
  EXPECT_EQ(countLines("1\n2\n3\n"), 3u);
  EXPECT_EQ(countLines("1\n2"), 2u);
}

TEST(ParseCpuacctStat, ConvertsUserHzTicksToNanoseconds) {
  CpuStats out;
  parseCpuacctStat("user 2576\nsystem 1519\n", 100, out);
  EXPECT_EQ(out.userNs, 25'760'000'000u);
  EXPECT_EQ(out.systemNs, 15'190'000'000u);
}

TEST(ParseCpuStatV2, ConvertsMicrosecondsToNanoseconds) {
  CpuStats out;
  parseCpuStatV2(
      "usage_usec 39449068\nuser_usec 24816105\nsystem_usec 14632962\nnice_usec 0\n"
      "nr_periods 10\nnr_throttled 4\nthrottled_usec 2500\nnr_bursts 0\nburst_usec 0\n",
      out);
  EXPECT_EQ(out.usageNs, 39'449'068'000u);
  EXPECT_EQ(out.userNs, 24'816'105'000u);
  EXPECT_EQ(out.systemNs, 14'632'962'000u);
  EXPECT_EQ(out.periods, 10u);
  EXPECT_EQ(out.throttledPeriods, 4u);
  EXPECT_EQ(out.throttledNs, 2'500'000u);
}

TEST(ParseCpuStatV2, WithoutTheCpuControllerOnlyUsageIsReported) {
  CpuStats out;
  parseCpuStatV2("usage_usec 5\nuser_usec 3\nsystem_usec 2\n", out);
  EXPECT_EQ(out.usageNs, 5000u);
  EXPECT_EQ(out.periods, std::nullopt);
  EXPECT_EQ(out.throttledNs, std::nullopt);
}

TEST(ParseMemoryStatV2, ReadsAnonFileAndInactiveFile) {
  MemoryStats out;
  parseMemoryStatV2("anon 1000\nfile 2000\nkernel 5\nactive_file 300\ninactive_file 1700\n", out);
  EXPECT_EQ(out.rssBytes, 1000u);
  EXPECT_EQ(out.cacheBytes, 2000u);
  EXPECT_EQ(out.inactiveFileBytes, 1700u);
}

TEST(ParseMemoryEventsV2, MaxIsTheFailCountAndOomKillTheOomEvents) {
  MemoryStats out;
  parseMemoryEventsV2("low 0\nhigh 0\nmax 17\noom 2\noom_kill 1\noom_group_kill 0\n", out);
  EXPECT_EQ(out.failcnt, 17u);
  EXPECT_EQ(out.oomKills, 1u);
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
