#include "runtime/bundle/attach_protocol.h"

#include <gtest/gtest.h>

namespace podkeeper::runtime {
namespace {

TEST(AttachProtocol, AFrameRoundTripsAndReportsItsSize) {
  const std::string bytes = encodeAttachFrame(AttachFrameType::Stdin, "echo hi\n") + "rest";
  AttachFrame f{};
  ASSERT_EQ(parseAttachFrame(bytes, f), AttachParse::Frame);
  EXPECT_EQ(f.type, AttachFrameType::Stdin);
  EXPECT_EQ(f.payload, "echo hi\n");
  EXPECT_EQ(f.size, 3u + 8u);
}

TEST(AttachProtocol, APartialFrameIsIncompleteAtEveryCut) {
  const std::string bytes = encodeAttachFrame(AttachFrameType::Stdout, "hello");
  AttachFrame f{};
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(parseAttachFrame(std::string_view(bytes).substr(0, n), f), AttachParse::Incomplete)
        << n;
  }
}

TEST(AttachProtocol, UnknownTypesAndOversizedPayloadsAreInvalid) {
  AttachFrame f{};
  EXPECT_EQ(parseAttachFrame("x\0\0", f), AttachParse::Invalid);
  const std::string tooLong = {'i', static_cast<char>(0x20), static_cast<char>(0x01)};  // 8193
  EXPECT_EQ(parseAttachFrame(tooLong, f), AttachParse::Invalid);
}

TEST(AttachProtocol, ResizeCarriesRowsAndColumnsBigEndian) {
  const std::string bytes = encodeAttachResize(40, 300);
  AttachFrame f{};
  ASSERT_EQ(parseAttachFrame(bytes, f), AttachParse::Frame);
  EXPECT_EQ(f.type, AttachFrameType::Resize);
  auto size = parseAttachResize(f.payload);
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(size->rows, 40);
  EXPECT_EQ(size->cols, 300);
  EXPECT_FALSE(parseAttachResize("abc").has_value());
}

}  // namespace
}  // namespace podkeeper::runtime
