#include "exposition_checker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace podkeeper::metrics::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr const char* kHeader = "# HELP a A.\n# TYPE a gauge\n";

TEST(ExpositionChecker, AcceptsWellFormedText) {
  EXPECT_THAT(checkExposition(std::string(kHeader) + "a{x=\"1\"} 1\na{x=\"2\"} 2\n"), IsEmpty());
}

TEST(ExpositionChecker, FlagsMissingFinalNewline) {
  EXPECT_THAT(checkExposition(std::string(kHeader) + "a 1"), SizeIs(1));
}

TEST(ExpositionChecker, FlagsSamplesBeforeTheirType) {
  auto p = checkExposition("a 1\n# HELP a A.\n# TYPE a gauge\n");
  ASSERT_FALSE(p.empty());
  EXPECT_THAT(p[0], HasSubstr("no TYPE"));
}

TEST(ExpositionChecker, FlagsFamiliesThatAreNotContiguous) {
  auto p = checkExposition(std::string(kHeader) +
                           "a 1\n# HELP b B.\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n");
  ASSERT_THAT(p, SizeIs(1));
  EXPECT_THAT(p[0], HasSubstr("not contiguous"));
}

TEST(ExpositionChecker, TreatsAnEmptyLabelAsAbsentWhenFindingDuplicates) {
  auto p = checkExposition(std::string(kHeader) + "a{x=\"\"} 1\na 2\n");
  ASSERT_THAT(p, SizeIs(1));
  EXPECT_THAT(p[0], HasSubstr("duplicate"));
}

TEST(ExpositionChecker, FlagsInvalidEscapes) {
  auto p = checkExposition(std::string(kHeader) + "a{x=\"\\t\"} 1\n");
  ASSERT_THAT(p, SizeIs(1));
  EXPECT_THAT(p[0], HasSubstr("invalid escape"));
}

TEST(ExpositionChecker, CountsHistogramSeriesAsTheirFamily) {
  EXPECT_THAT(checkExposition("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\n"
                              "h_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n"),
              IsEmpty());
}

}  // namespace
}  // namespace podkeeper::metrics::testing
