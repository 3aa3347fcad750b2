#include "agent/cli/attach_terminal.h"

#include <gtest/gtest.h>

namespace podkeeper::cli {
namespace {

TEST(DetachKeys, CtrlPCtrlQDetachesAndNothingAfterItIsForwarded) {
  DetachKeys keys;
  auto r = keys.feed("ls\r\x10\x11more");
  EXPECT_TRUE(r.detach);
  EXPECT_EQ(r.forward, "ls\r");
}

TEST(DetachKeys, TheSequenceIsFoundAcrossReads) {
  DetachKeys keys;
  auto first = keys.feed("a\x10");
  EXPECT_FALSE(first.detach);
  EXPECT_EQ(first.forward, "a");  // the ctrl-p is held back
  auto second = keys.feed("\x11");
  EXPECT_TRUE(second.detach);
  EXPECT_EQ(second.forward, "");
}

TEST(DetachKeys, ACtrlPNotFollowedByCtrlQIsForwardedWithWhatFollows) {
  DetachKeys keys;
  auto r = keys.feed("\x10x\x10\x10y");
  EXPECT_FALSE(r.detach);
  EXPECT_EQ(r.forward, "\x10x\x10\x10y");
  EXPECT_EQ(keys.feed("\x10").forward, "");
  EXPECT_EQ(keys.feed("z").forward, "\x10z");
}

}  // namespace
}  // namespace podkeeper::cli
