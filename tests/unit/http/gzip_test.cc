#include "agent/http/gzip.h"

#include <gtest/gtest.h>

namespace podkeeper::http {
namespace {

TEST(Gzip, RoundTripRestoresTheInput) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "container_memory_rss{container=\"app\"} 1234\n";
  std::string packed = gzipCompress(text);
  EXPECT_LT(packed.size(), text.size() / 10);
  auto unpacked = gzipDecompress(packed);
  ASSERT_TRUE(unpacked) << unpacked.error().message;
  EXPECT_EQ(*unpacked, text);
}

TEST(Gzip, OutputHasTheGzipMagic) {
  std::string packed = gzipCompress("x");
  ASSERT_GE(packed.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(packed[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(packed[1]), 0x8b);
}

TEST(Gzip, TruncatedDataIsAnError) {
  std::string packed = gzipCompress(std::string(10000, 'a'));
  EXPECT_FALSE(gzipDecompress(packed.substr(0, packed.size() / 2)));
}

TEST(AcceptEncoding, GzipIsAcceptedWhenListed) {
  EXPECT_TRUE(acceptsGzip("gzip"));
  EXPECT_TRUE(acceptsGzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(acceptsGzip("br, *"));
}

TEST(AcceptEncoding, GzipIsRefusedWhenAbsentOrQZero) {
  EXPECT_FALSE(acceptsGzip(""));
  EXPECT_FALSE(acceptsGzip("identity"));
  EXPECT_FALSE(acceptsGzip("gzip;q=0"));
  EXPECT_FALSE(acceptsGzip("gzip; q=0.0, *"));
  EXPECT_FALSE(acceptsGzip("xgzip"));
}

}  // namespace
}  // namespace podkeeper::http
