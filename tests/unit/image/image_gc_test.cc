#include "image/image_gc.h"

#include <gtest/gtest.h>

namespace podkeeper::image {
namespace {

ImageRecord rec(const std::string& ref, int64_t lastUsed, int64_t size) {
  ImageRecord r;
  r.reference = ref;
  r.lastUsed = lastUsed;
  r.size = size;
  return r;
}

constexpr uint64_t kCap = 1000;

TEST(ImageGcPlan, BelowTheHighThresholdNothingGoes) {
  EXPECT_TRUE(planImageGc({kCap, 160}, {85, 80}, {rec("a", 1, 500)}, {}).empty());
}

TEST(ImageGcPlan, AboveItLeastRecentlyUsedGoFirstDownToTheLowThreshold) {
  // 900 used, down to 800: 100 bytes to free.
  const auto plan = planImageGc({kCap, 100}, {85, 80},
                                {rec("new", 30, 60), rec("old", 10, 60), rec("mid", 20, 60)}, {});
  EXPECT_EQ(plan, (std::vector<std::string>{"old", "mid"}));
}

TEST(ImageGcPlan, ImagesInUseAreNeverRemoved) {
  const auto plan =
      planImageGc({kCap, 0}, {85, 80}, {rec("used", 1, 500), rec("free", 2, 10)}, {"used"});
  EXPECT_EQ(plan, (std::vector<std::string>{"free"}));
}

TEST(ImageGcPlan, HighThresholdOfOneHundredDisablesIt) {
  EXPECT_TRUE(planImageGc({kCap, 0}, {100, 80}, {rec("a", 1, 500)}, {}).empty());
}

}  // namespace
}  // namespace podkeeper::image
