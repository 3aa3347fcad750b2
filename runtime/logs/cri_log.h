#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The CRI log format the kubelet and kubectl read:
//   <RFC3339Nano> <stdout|stderr> <F|P> <text>
// P marks a partial line: a line longer than the buffer, continued by the next entry.
namespace podkeeper::runtime {

enum class LogStream { Stdout, Stderr };

inline constexpr size_t kCriMaxLine = 16 * 1024;

// UTC, nanoseconds with trailing zeros trimmed as Go's time.RFC3339Nano does.
std::string formatRfc3339Nano(int64_t realtimeNs);

std::string formatCriLine(int64_t realtimeNs, LogStream stream, bool partial,
                          std::string_view text);

struct LogEntry {
  std::string text;  // without the newline
  bool partial = false;
  bool operator==(const LogEntry&) const = default;
};

// Cuts a byte stream into log entries: one per newline, a partial entry every maxLine bytes
// of a longer line. An unfinished line waits for more data, or for finish() at EOF.
// The restart a log file belongs to: "3.log" and its rotations "3.log.1", ... are restart 3.
std::optional<long> restartOfLogFile(std::string_view name);

class LogLineSplitter {
 public:
  explicit LogLineSplitter(size_t maxLine = kCriMaxLine) : maxLine_(maxLine) {}

  std::vector<LogEntry> feed(std::string_view data);
  // The rest of the stream as a full entry (nothing when empty).
  std::vector<LogEntry> finish();

 private:
  size_t maxLine_;
  std::string pending_;
};

}  // namespace podkeeper::runtime
