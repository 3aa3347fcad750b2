#include "runtime/cgroup/device_rules.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/cgroup/resources.h"

namespace podkeeper::runtime::cgroup {
namespace {

std::vector<std::string> lines(const std::vector<DeviceRule>& rules) {
  std::vector<std::string> out;
  for (const auto& r : rules) out.push_back(v1DeviceLine(r));
  return out;
}

TEST(DeviceRules, DefaultAllowlistIsRuncsAsV1Lines) {
  EXPECT_EQ(lines(defaultDeviceRules()),
            (std::vector<std::string>{"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",
                                      "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm",
                                      "c 136:* rwm", "c 10:200 rwm"}));
}

TEST(DeviceRules, DefaultAllowlistGivesNoBlockDeviceMoreThanMknod) {
  for (const auto& r : defaultDeviceRules()) {
    if (r.type != DeviceType::Char) {
      EXPECT_EQ(r.access, kDeviceMknod) << v1DeviceLine(r);
    }
  }
}

TEST(DeviceRules, DefaultAllowlistLeavesTheHostConsoleOut) {
  const auto rules = defaultDeviceRules();
  EXPECT_TRUE(std::none_of(rules.begin(), rules.end(),
                           [](const DeviceRule& r) { return r.major == 5u && r.minor == 1u; }));
}

TEST(DeviceRules, PrivilegedContainersGetEveryDevice) {
  EXPECT_EQ(lines(containerDeviceRules(true)), std::vector<std::string>{"a *:* rwm"});
  EXPECT_TRUE(allowsEverything(containerDeviceRules(true)));
}

TEST(DeviceRules, OtherContainersGetTheDefaultAllowlist) {
  EXPECT_EQ(containerDeviceRules(false), defaultDeviceRules());
  EXPECT_FALSE(allowsEverything(containerDeviceRules(false)));
}

TEST(DeviceRules, V1LineWritesAccessInTheKernelsOrder) {
  EXPECT_EQ(v1DeviceLine({DeviceType::Block, 8, 0, kDeviceWrite | kDeviceRead}), "b 8:0 rw");
  EXPECT_EQ(v1DeviceLine({DeviceType::Char, std::nullopt, 4, kDeviceMknod | kDeviceRead}),
            "c *:4 rm");
}

TEST(DeviceRules, AWildcardWithLessThanRwmDoesNotAllowEverything) {
  EXPECT_FALSE(allowsEverything({{DeviceType::All, std::nullopt, std::nullopt, kDeviceMknod}}));
  EXPECT_FALSE(allowsEverything({{DeviceType::All, 1, std::nullopt, kDeviceRwm}}));
}

TEST(PidsMaxValue, PositiveLimitIsWrittenAndTheRestIsMax) {
  EXPECT_EQ(pidsMaxValue(4096), "4096");
  EXPECT_EQ(pidsMaxValue(-1), "max");
  EXPECT_EQ(pidsMaxValue(0), "max");
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
