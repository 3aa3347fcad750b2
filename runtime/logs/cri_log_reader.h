#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Reading the CRI log files the shim writes (runtime/logs/cri_log.h):
//   <RFC3339Nano> <stdout|stderr> <F|P> <text>
namespace podkeeper::runtime {

struct CriLine {
  std::string time;
  std::string stream;  // stdout | stderr
  bool partial = false;
  std::string text;
};

// nullopt for a line that is not in the CRI format.
std::optional<CriLine> parseCriLine(std::string_view line);

// A whole log line and the time of its first entry.
struct TimedLine {
  std::string time;
  std::string text;
  bool operator==(const TimedLine&) const = default;
};

// Joins partial entries into whole lines, as kubectl logs does. Feed raw file bytes in any
// chunking; complete log lines come out.
class CriLogAssembler {
 public:
  std::vector<std::string> feed(std::string_view bytes);
  std::vector<TimedLine> feedTimed(std::string_view bytes);
  // A line left open by P entries at the end of a file (the writer stopped mid-line).
  std::optional<std::string> flush();
  std::optional<TimedLine> flushTimed();

 private:
  std::string pendingBytes_;  // an unfinished file line
  std::string pendingText_;   // text of P entries waiting for their F
  std::string pendingTime_;   // time of the first of them
  bool havePartial_ = false;
};

// The last n lines (all when n < 0).
std::vector<std::string> lastLines(std::vector<std::string> lines, long n);

// Every whole line of a log file and its rotated predecessors, oldest first.
std::vector<TimedLine> readLogFilesTimed(const std::string& path);
std::vector<std::string> readLogFiles(const std::string& path);

// A log file and its rotated predecessors, oldest first: path.<k>, ..., path.1, path.
std::vector<std::string> rotatedFiles(const std::string& path);

}  // namespace podkeeper::runtime
