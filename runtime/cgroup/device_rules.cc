#include "runtime/cgroup/device_rules.h"

#include <algorithm>

namespace podkeeper::runtime::cgroup {
namespace {

DeviceRule chr(uint32_t major, std::optional<uint32_t> minor) {
  return {DeviceType::Char, major, minor, kDeviceRwm};
}

std::string number(std::optional<uint32_t> n) { return n ? std::to_string(*n) : "*"; }

}  // namespace

std::vector<DeviceRule> defaultDeviceRules() {
  return {
      {DeviceType::Char, std::nullopt, std::nullopt, kDeviceMknod},
      {DeviceType::Block, std::nullopt, std::nullopt, kDeviceMknod},
      chr(1, 3),               // null
      chr(1, 5),               // zero
      chr(1, 7),               // full
      chr(1, 8),               // random
      chr(1, 9),               // urandom
      chr(5, 0),               // tty
      chr(5, 2),               // ptmx
      chr(136, std::nullopt),  // pts/*
      chr(10, 200),            // net/tun
  };
}

std::vector<DeviceRule> allDevicesRule() {
  return {{DeviceType::All, std::nullopt, std::nullopt, kDeviceRwm}};
}

std::vector<DeviceRule> containerDeviceRules(bool privileged) {
  return privileged ? allDevicesRule() : defaultDeviceRules();
}

std::string v1DeviceLine(const DeviceRule& rule) {
  std::string line;
  switch (rule.type) {
    case DeviceType::All:
      line = "a";
      break;
    case DeviceType::Block:
      line = "b";
      break;
    case DeviceType::Char:
      line = "c";
      break;
  }
  line += " " + number(rule.major) + ":" + number(rule.minor) + " ";
  if (rule.access & kDeviceRead) line += 'r';
  if (rule.access & kDeviceWrite) line += 'w';
  if (rule.access & kDeviceMknod) line += 'm';
  return line;
}

bool allowsEverything(const std::vector<DeviceRule>& rules) {
  return std::any_of(rules.begin(), rules.end(), [](const DeviceRule& r) {
    return r.type == DeviceType::All && !r.major && !r.minor && r.access == kDeviceRwm;
  });
}

}  // namespace podkeeper::runtime::cgroup
