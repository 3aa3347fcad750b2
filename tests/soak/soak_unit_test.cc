#include <gtest/gtest.h>

#include "tests/soak/catalogue.h"
#include "tests/soak/log_lines.h"
#include "tests/soak/manifest_model.h"

namespace podkeeper::soak {
namespace {

std::string line(const std::string& time, const std::string& text, const char* tag = "F") {
  return "2026-12-05T21:00:" + time + "Z stdout " + tag + " " + text + "\n";
}

TEST(NumberedLog, ContiguousLinesPass) {
  auto c =
      checkNumberedLog(line("01.1", "seq 1") + line("01.2", "seq 2") + line("01.3", "seq 3"), {});
  EXPECT_EQ(c.lines, 3);
  EXPECT_TRUE(c.problems.empty());
}

TEST(NumberedLog, ADuplicateIsAProblem) {
  auto c =
      checkNumberedLog(line("01.1", "seq 1") + line("01.2", "seq 2") + line("01.3", "seq 2"), {});
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0], "line seq 2 twice");
}

TEST(NumberedLog, AGapOutsideAFullWindowIsAProblem) {
  auto c = checkNumberedLog(line("01.1", "seq 1") + line("05.0", "seq 9"), {});
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0], "after seq 1 comes seq 9");
}

TEST(NumberedLog, AGapInsideAFullWindowIsCountedAsLost) {
  const int64_t from = parseCriTime("2026-12-05T21:00:02Z");
  const int64_t to = parseCriTime("2026-12-05T21:00:04Z");
  auto c = checkNumberedLog(line("01.1", "seq 1") + line("05.0", "seq 9"), {{from, to}});
  EXPECT_TRUE(c.problems.empty());
  EXPECT_EQ(c.lostWhileFull, 7);
}

TEST(NumberedLog, LinesThatAreNotNumberedAreIgnoredAndGarbageIsAProblem) {
  auto c = checkNumberedLog(line("01.1", "seq 1") + line("01.2", "hello") + "garbage\n", {});
  EXPECT_EQ(c.lines, 1);
  ASSERT_EQ(c.problems.size(), 1u);
}

TEST(NumberedLog, APartialLineIsAProblem) {
  auto c = checkNumberedLog(line("01.1", "seq 1", "P"), {});
  EXPECT_EQ(c.problems.size(), 1u);
}

TEST(CriTime, ParsesNanoseconds) {
  EXPECT_EQ(parseCriTime("1970-01-01T00:00:01.5Z"), 1'500'000'000);
  EXPECT_EQ(parseCriTime("nonsense"), -1);
}

TEST(ManifestModel, BrokenFileKeepsItsLastGoodPodAndTheFirstFileWins) {
  ManifestModel m;
  SoakPod a = makePod(PodKind::Counter, 1);
  SoakPod dup = a;
  dup.uid = "other";
  m.writeGood("p-a.yaml", a);
  m.writeGood("zz-dup.yaml", dup);
  m.writeBroken("p-a.yaml");
  ASSERT_EQ(m.expectedPods().size(), 1u);
  EXPECT_EQ(m.expectedPods().at(a.name).uid, a.uid);
  m.remove("p-a.yaml");
  EXPECT_EQ(m.expectedPods().at(a.name).uid, "other");
  m.writeBroken("bad.yaml");  // never good: no pod
  EXPECT_EQ(m.expectedPods().size(), 1u);
}

TEST(Catalogue, EveryKindNamesItsPodAndGeneration) {
  for (int k = 0; k < kPodKinds; ++k) {
    SoakPod p = makePod(PodKind(k), 7);
    p.generation = 3;
    const std::string yaml = manifestYaml(p);
    EXPECT_NE(yaml.find("name: " + p.name), std::string::npos) << yaml;
    EXPECT_NE(yaml.find("SOAK_GENERATION, value: \"3\""), std::string::npos) << yaml;
  }
}

}  // namespace
}  // namespace podkeeper::soak
