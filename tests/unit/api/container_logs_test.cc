#include "agent/api/container_logs.h"

#include <gtest/gtest.h>

namespace podkeeper::api {
namespace {

using runtime::TimedLine;

TEST(ParseContainerLogQuery, ReadsTheKubeletsParameters) {
  auto q = parseContainerLogQuery(
      "follow=true&tailLines=5&timestamps=1&previous=false&sinceSeconds=60&limitBytes=100");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_TRUE(q->follow);
  EXPECT_TRUE(q->timestamps);
  EXPECT_FALSE(q->previous);
  EXPECT_EQ(q->tailLines, 5);
  EXPECT_EQ(q->sinceSeconds, 60);
  EXPECT_EQ(q->limitBytes, 100);
}

TEST(ParseContainerLogQuery, DefaultsAreEverythingOnce) {
  auto q = parseContainerLogQuery("");
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->follow);
  EXPECT_FALSE(q->tailLines);
  EXPECT_FALSE(q->limitBytes);
}

TEST(ParseContainerLogQuery, BadValuesNameTheParameterAndTheValue) {
  auto q = parseContainerLogQuery("tailLines=-3");
  ASSERT_FALSE(q);
  EXPECT_NE(q.error().message.find("tailLines"), std::string::npos);
  EXPECT_NE(q.error().message.find("\"-3\""), std::string::npos);
  EXPECT_FALSE(parseContainerLogQuery("limitBytes=0"));
  EXPECT_FALSE(parseContainerLogQuery("sinceSeconds=1x"));
  auto b = parseContainerLogQuery("follow=yes");
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("follow"), std::string::npos);
}

TEST(ParseContainerLogQuery, TailLinesZeroIsAllowed) {
  auto q = parseContainerLogQuery("tailLines=0");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->tailLines, 0);
}

const std::vector<TimedLine> kLines = {{"2024-05-01T12:00:00Z", "one"},
                                       {"2024-05-01T12:00:00.5Z", "two"},
                                       {"2024-05-01T12:00:01.25Z", "three"}};
// 2024-05-01T12:00:02Z
constexpr int64_t kNow = 1714564802LL * 1'000'000'000;

TEST(RenderContainerLog, PrintsTheTextOfEachLine) {
  EXPECT_EQ(renderContainerLog(kLines, {}, kNow), "one\ntwo\nthree\n");
}

TEST(RenderContainerLog, TimestampsPrefixEachLineWithItsTime) {
  ContainerLogQuery q;
  q.timestamps = true;
  EXPECT_EQ(renderContainerLog(kLines, q, kNow),
            "2024-05-01T12:00:00Z one\n2024-05-01T12:00:00.5Z two\n"
            "2024-05-01T12:00:01.25Z three\n");
}

TEST(RenderContainerLog, TailLinesKeepsTheLastOnes) {
  ContainerLogQuery q;
  q.tailLines = 2;
  EXPECT_EQ(renderContainerLog(kLines, q, kNow), "two\nthree\n");
  q.tailLines = 0;
  EXPECT_EQ(renderContainerLog(kLines, q, kNow), "");
  q.tailLines = 10;
  EXPECT_EQ(renderContainerLog(kLines, q, kNow), "one\ntwo\nthree\n");
}

TEST(RenderContainerLog, SinceSecondsComparesFractionsOfAnyLength) {
  ContainerLogQuery q;
  q.sinceSeconds = 1;  // cutoff 12:00:01
  EXPECT_EQ(renderContainerLog(kLines, q, kNow), "three\n");
  q.sinceSeconds = 2;  // cutoff 12:00:00: the line at exactly the cutoff is in
  EXPECT_EQ(renderContainerLog(kLines, q, kNow), "one\ntwo\nthree\n");
  EXPECT_TRUE(timeAtOrAfter("2024-05-01T12:00:00.5Z", "2024-05-01T12:00:00Z"));
  EXPECT_FALSE(timeAtOrAfter("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.000000001Z"));
}

TEST(RenderContainerLog, LimitBytesCutsTheOutput) {
  ContainerLogQuery q;
  q.limitBytes = 6;
  EXPECT_EQ(renderContainerLog(kLines, q, kNow), "one\ntw");
}

}  // namespace
}  // namespace podkeeper::api
