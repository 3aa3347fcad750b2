#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/error.h"

// Pure parsers of cgroup file contents. They take the text of a file and never touch the disk.
namespace podkeeper::runtime::cgroup {

// A single unsigned number, surrounding whitespace allowed ("1048576\n").
std::optional<uint64_t> parseUint(std::string_view text);
// A single signed number ("-1\n").
std::optional<int64_t> parseInt(std::string_view text);

// "max" -> nullopt (unlimited); a number -> the number; anything else is an error.
Result<std::optional<uint64_t>> parseMaxOrUint(std::string_view text);

// One key of a flat-keyed file ("key value" per line) to extract in a single scan.
struct FlatKey {
  std::string_view key;
  std::optional<uint64_t>* out;
};
// Fills every requested key found in text; keys absent from text are left untouched.
void scanFlatKeyed(std::string_view text, std::span<const FlatKey> keys);
std::optional<uint64_t> flatKeyedValue(std::string_view text, std::string_view key);

// v2 cpu.max: "max 100000" or "50000 100000".
struct CpuMax {
  std::optional<int64_t> quotaUs;  // nullopt = "max"
  uint64_t periodUs = 0;
  bool operator==(const CpuMax&) const = default;
};
std::optional<CpuMax> parseCpuMax(std::string_view text);

// v1 memory.limit_in_bytes: the kernel reports "unlimited" as PAGE_COUNTER_MAX * page size,
// e.g. 9223372036854771712 with 4 KiB pages. That (or more) -> nullopt.
std::optional<uint64_t> v1MemoryLimit(uint64_t raw, uint64_t pageSize);

// cgroup.procs / tasks / cgroup.threads: one pid per line.
void appendPids(std::string_view text, std::vector<pid_t>& out);
uint64_t countLines(std::string_view text);

}  // namespace podkeeper::runtime::cgroup
