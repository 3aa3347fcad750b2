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

// A log read in chunks of any size renders as the whole of it does: the tail counted over a
// first pass, since and the byte limit carried from chunk to chunk.
TEST(LogSelection, ChunkedRenderingIsTheWholeLogsRendering) {
  std::vector<TimedLine> lines;
  for (int i = 0; i < 40; ++i)
    lines.push_back({"2024-05-01T12:00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "Z",
                     "line " + std::to_string(i)});
  constexpr int64_t now = 1714564840LL * 1'000'000'000;  // 12:00:40
  for (std::optional<long> tail : {std::optional<long>{}, std::optional<long>{0}, {1}, {7}, {100}})
    for (std::optional<long> since : {std::optional<long>{}, std::optional<long>{5}, {100}})
      for (std::optional<long> limit : {std::optional<long>{}, std::optional<long>{1}, {37}})
        for (bool timestamps : {false, true})
          for (size_t chunk : {1, 3, 40}) {
            ContainerLogQuery q;
            q.tailLines = tail;
            q.sinceSeconds = since;
            q.limitBytes = limit;
            q.timestamps = timestamps;
            LogSelection selection(q, now);
            for (size_t i = 0; i < lines.size(); i += chunk)
              selection.count(
                  {lines.begin() + i, lines.begin() + std::min(i + chunk, lines.size())});
            std::string text;
            for (size_t i = 0; i < lines.size() && !selection.full(); i += chunk)
              text += selection.render(
                  {lines.begin() + i, lines.begin() + std::min(i + chunk, lines.size())});
            EXPECT_EQ(text, renderContainerLog(lines, q, now))
                << "tail " << tail.value_or(-1) << " since " << since.value_or(-1) << " limit "
                << limit.value_or(-1) << " chunk " << chunk;
            EXPECT_LE(text.size(), static_cast<size_t>(limit.value_or(1L << 30)));
          }
}

TEST(LogSelection, TailAndSinceTogetherCountOnlyTheLinesSinceTheCutoff) {
  ContainerLogQuery q;
  q.sinceSeconds = 2;  // cutoff 12:00:00: every line is in
  q.tailLines = 2;
  EXPECT_EQ(renderContainerLog(kLines, q, kNow), "two\nthree\n");
  q.sinceSeconds = 1;  // only three
  EXPECT_EQ(renderContainerLog(kLines, q, kNow), "three\n");
}

}  // namespace
}  // namespace podkeeper::api
