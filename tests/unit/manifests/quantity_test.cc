#include "manifests/quantity.h"

#include <gtest/gtest.h>

namespace podkeeper::manifests {
namespace {

TEST(Quantity, MillicoresAreReadAsWritten) { EXPECT_EQ(parseCpuMilli("500m").value, 500); }

TEST(Quantity, WholeCoresScaleToMillicores) { EXPECT_EQ(parseCpuMilli("2").value, 2000); }

TEST(Quantity, FractionalCpuBecomesMillicores) { EXPECT_EQ(parseCpuMilli("0.5").value, 500); }

TEST(Quantity, CpuBelowAMillicoreRoundsUpToOne) {
  EXPECT_EQ(parseCpuMilli("0.0001").value, 1);
  EXPECT_EQ(parseCpuMilli("100u").value, 1);
}

TEST(Quantity, CpuRoundsUpToTheNextMillicore) { EXPECT_EQ(parseCpuMilli("1.0001").value, 1001); }

TEST(Quantity, BinarySuffixesArePowersOf1024) {
  EXPECT_EQ(parseBytes("64Mi").value, 64LL << 20);
  EXPECT_EQ(parseBytes("1Ki").value, 1024);
  EXPECT_EQ(parseBytes("2Gi").value, 2LL << 30);
  EXPECT_EQ(parseBytes("1Ei").value, 1LL << 60);
}

TEST(Quantity, DecimalSuffixesArePowersOf1000) {
  EXPECT_EQ(parseBytes("1k").value, 1000);
  EXPECT_EQ(parseBytes("128M").value, 128'000'000);
  EXPECT_EQ(parseBytes("1G").value, 1'000'000'000);
  EXPECT_EQ(parseBytes("1T").value, 1'000'000'000'000);
}

TEST(Quantity, UpperCaseEAloneIsExaNotAnExponent) {
  EXPECT_EQ(parseBytes("1E").value, 1'000'000'000'000'000'000);
}

TEST(Quantity, ExponentsAreDecimal) {
  EXPECT_EQ(parseBytes("1e3").value, 1000);
  EXPECT_EQ(parseBytes("1E3").value, 1000);
  EXPECT_EQ(parseCpuMilli("5e-1").value, 500);
}

TEST(Quantity, MemoryRoundsUpToWholeBytes) {
  EXPECT_EQ(parseBytes("1.5").value, 2);
  EXPECT_EQ(parseBytes("500m").value, 1);
  EXPECT_EQ(parseBytes("0.1Ki").value, 103);  // 102.4 bytes
}

TEST(Quantity, ManySignificantDigitsWithABinarySuffixRoundUpExactly) {
  // Checked with Python: ceil(Fraction("0.00000000000000012345678901234567890") * 2**60).
  EXPECT_EQ(parseBytes("0.00000000000000012345678901234567890Ei").value, 143);
  EXPECT_EQ(parseCpuMilli("0.0000000000000000000000000000000000001").value, 1);
}

TEST(Quantity, ZeroIsValid) {
  EXPECT_EQ(parseBytes("0").value, 0);
  EXPECT_EQ(parseCpuMilli("0m").value, 0);
}

TEST(Quantity, LeadingDotAndTrailingDotAreValidNumbers) {
  EXPECT_EQ(parseCpuMilli(".5").value, 500);
  EXPECT_EQ(parseCpuMilli("1.").value, 1000);
}

TEST(Quantity, NegativeValuesParseWithTheirSign) { EXPECT_EQ(parseCpuMilli("-1").value, -1000); }

TEST(Quantity, MalformedTextIsRejected) {
  for (const char* bad : {"", "12QiB", "Mi", "1.2.3", "1 Gi", "1gi", "1e", "0x10", "abc", "1Mii",
                          "--1", "1e3Mi", "+", "."}) {
    auto q = parseBytes(bad);
    EXPECT_FALSE(q.value.has_value()) << bad;
    EXPECT_EQ(q.error, "is not a valid quantity") << bad;
  }
}

TEST(Quantity, ValuesBeyondInt64AreRejectedAsTooLarge) {
  EXPECT_EQ(parseBytes("16Ei").error, "is too large");
  EXPECT_EQ(parseBytes("1e100").error, "is too large");
  EXPECT_EQ(parseCpuMilli("9223372036854775807").error, "is too large");
}

TEST(Quantity, FormatsCpuCanonically) {
  EXPECT_EQ(formatCpuMilli(500), "500m");
  EXPECT_EQ(formatCpuMilli(2000), "2");
}

TEST(Quantity, FormatsBytesWithTheLargestExactBinarySuffix) {
  EXPECT_EQ(formatBytes(64LL << 20), "64Mi");
  EXPECT_EQ(formatBytes(1536), "1536");
  EXPECT_EQ(formatBytes(3072), "3Ki");
  EXPECT_EQ(formatBytes(1000), "1000");
  EXPECT_EQ(formatBytes(0), "0");
}

}  // namespace
}  // namespace podkeeper::manifests
