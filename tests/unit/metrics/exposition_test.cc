#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include <limits>

namespace podkeeper::metrics {
namespace {

std::string value(double v) {
  std::string out;
  appendValue(out, v);
  return out;
}

TEST(Exposition, LabelValueEscapesBackslashQuoteAndNewline) {
  std::string out;
  appendLabelValue(out, "a\\b\"c\nd");
  EXPECT_EQ(out, "a\\\\b\\\"c\\nd");
}

TEST(Exposition, HelpEscapesBackslashAndNewlineButNotQuotes) {
  std::string out;
  appendFamilyHeader(out, "x", "say \"hi\"\\\n", "gauge");
  EXPECT_EQ(out, "# HELP x say \"hi\"\\\\\\n\n# TYPE x gauge\n");
}

TEST(Exposition, ValuesAreShortestRoundTripDecimals) {
  EXPECT_EQ(value(0), "0");
  EXPECT_EQ(value(41943040), "41943040");
  EXPECT_EQ(value(12.345678912), "12.345678912");
  EXPECT_EQ(value(0.5), "0.5");
  EXPECT_EQ(value(1700000000), "1700000000");
  EXPECT_EQ(value(1e20), "1e+20");
}

TEST(Exposition, SpecialValuesUsePrometheusSpelling) {
  EXPECT_EQ(value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(value(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(Exposition, SampleWithTimestampAppendsMilliseconds) {
  std::string out;
  appendSample(out, "m", "{a=\"b\"}", 1.5, 1700000000123);
  EXPECT_EQ(out, "m{a=\"b\"} 1.5 1700000000123\n");
}

TEST(Exposition, LabelsAreCommaSeparatedAfterTheFirst) {
  std::string out;
  appendLabel(out, "a", "1", true);
  appendLabel(out, "b", "", false);
  EXPECT_EQ(out, "a=\"1\",b=\"\"");
}

}  // namespace
}  // namespace podkeeper::metrics
