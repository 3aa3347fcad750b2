#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Pure parsers for the /proc files the metrics layer reads (read with runtime::readWholeFile).
namespace podkeeper::metrics {

// A "Key:   123 kB" line of /proc/meminfo, in bytes.
std::optional<uint64_t> meminfoBytes(std::string_view meminfo, std::string_view key);

// Busy CPU time of the machine from the first "cpu" line of /proc/stat, in USER_HZ ticks:
// user + nice + system + irq + softirq + steal (idle and iowait excluded).
std::optional<uint64_t> procStatBusyTicks(std::string_view procStat);

// "btime" of /proc/stat: boot time in seconds since the epoch.
std::optional<uint64_t> procStatBootTime(std::string_view procStat);

// The fields of /proc/<pid>/stat a process collector needs.
struct ProcSelfStat {
  uint64_t utimeTicks = 0;
  uint64_t stimeTicks = 0;
  uint64_t startTimeTicks = 0;  // since boot
  uint64_t virtualBytes = 0;
  uint64_t rssPages = 0;
};
// The comm field may hold spaces and parentheses, so parsing starts after the last ')'.
std::optional<ProcSelfStat> parseProcPidStat(std::string_view stat);

// "Max open files  1024  4096  files" of /proc/<pid>/limits: the soft limit.
std::optional<uint64_t> maxOpenFiles(std::string_view limits);

}  // namespace podkeeper::metrics
