#include "runtime/sandbox/user_namespace_ids.h"

#include <gtest/gtest.h>

namespace podkeeper::runtime {
namespace {

TEST(UserNamespaceRange, ParsesFirstAndLengthAsSubuidDoes) {
  auto r = parseUserNamespaceRange("131072:655360");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, (UserNamespaceRange{131072, 655360}));
}

TEST(UserNamespaceRange, RefusesWhatTheKubeletRefuses) {
  for (const char* bad : {"", "65536", "65536:", "x:65536", "65537:65536", "65536:1000", "65536:0",
                          "0:65536", "4294901760:65536"}) {
    auto r = parseUserNamespaceRange(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find(std::string("\"") + bad + "\""), std::string::npos)
        << r.error().message;
  }
  EXPECT_NE(parseUserNamespaceRange("65537:65536").error().message.find("multiple of 65536"),
            std::string::npos);
}

TEST(UserNamespaceRange, TheDefaultIsAValidRange) {
  UserNamespaceRange d;
  auto r = parseUserNamespaceRange(std::to_string(d.first) + ":" + std::to_string(d.length));
  ASSERT_TRUE(r) << r.error().message;
}

TEST(UserNamespaceIds, MapLineMapsTheBlockOntoIdsZeroUp) {
  EXPECT_EQ(userNamespaceMapLine(196608), "0 196608 65536\n");
}

TEST(UserNamespaceAllocator, BlocksAreNeverHandedOutTwiceWhileInUse) {
  UserNamespaceAllocator a({65536, 3 * 65536});
  EXPECT_EQ(*a.allocate(), 65536u);
  EXPECT_EQ(*a.allocate(), 131072u);
  EXPECT_EQ(*a.allocate(), 196608u);
  auto full = a.allocate();
  ASSERT_FALSE(full);
  EXPECT_NE(full.error().message.find("all 3 blocks"), std::string::npos) << full.error().message;
  a.release(131072);
  EXPECT_EQ(*a.allocate(), 131072u);
  EXPECT_EQ(a.inUse(), 3u);
}

TEST(UserNamespaceAllocator, RecordsRebuiltFromDiskAreCheckedAndHeld) {
  UserNamespaceAllocator a({65536, 4 * 65536});
  ASSERT_TRUE(a.record(131072));
  EXPECT_FALSE(a.record(131072));             // two pods with one block
  EXPECT_FALSE(a.record(131073));             // not a block boundary
  EXPECT_FALSE(a.record(0));                  // the host's own ids
  EXPECT_FALSE(a.record(65536 + 4 * 65536));  // outside the range
  EXPECT_EQ(*a.allocate(), 65536u);
  EXPECT_EQ(*a.allocate(), 196608u);  // 131072 is held by the recorded pod
}

}  // namespace
}  // namespace podkeeper::runtime
