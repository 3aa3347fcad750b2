#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// The device cgroup: which device nodes a container may create (mknod) and open. Pure data
// and its v1 text form; devices_v1.h and devices_v2.h install it.
namespace podkeeper::runtime::cgroup {

enum class DeviceType : uint8_t { All, Block, Char };

// Access bits; a request is allowed by a rule when every bit it asks for is in the rule.
inline constexpr uint8_t kDeviceMknod = 1;
inline constexpr uint8_t kDeviceRead = 2;
inline constexpr uint8_t kDeviceWrite = 4;
inline constexpr uint8_t kDeviceRwm = kDeviceMknod | kDeviceRead | kDeviceWrite;

// One allow rule, as in v1 devices.allow: "c 1:3 rwm", "b *:* m", "a *:* rwm".
struct DeviceRule {
  DeviceType type = DeviceType::All;
  std::optional<uint32_t> major;  // nullopt = any ("*")
  std::optional<uint32_t> minor;
  uint8_t access = kDeviceRwm;
  bool operator==(const DeviceRule&) const = default;
};

// runc's default allowlist (specconv AllowedDevices), which containerd's CRI containers get:
// mknod of any node (so images can carry device files), and read/write of null, zero, full,
// random, urandom, tty, ptmx, the pty slaves (136:*) and tun/tap. Everything else is denied.
std::vector<DeviceRule> defaultDeviceRules();

// A privileged container: every device ("a *:* rwm").
std::vector<DeviceRule> allDevicesRule();

// What a container gets: every device when privileged (as runc and containerd give it), else
// the default allowlist.
std::vector<DeviceRule> containerDeviceRules(bool privileged);

// v1 devices.allow line: "c 1:3 rwm", "b *:* m", "a *:* rwm".
std::string v1DeviceLine(const DeviceRule& rule);

// True when the rules allow every access to every device (v1: no deny needed).
bool allowsEverything(const std::vector<DeviceRule>& rules);

}  // namespace podkeeper::runtime::cgroup
