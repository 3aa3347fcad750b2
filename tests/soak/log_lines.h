#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Checks that every numbered line ("seq N") a container wrote is in its CRI log exactly once:
// numbers from 1 on, none twice, none missing, except lines lost while the log filesystem was
// full (allowed windows, realtime ns), which are counted. Pure: takes the file's text.
namespace podkeeper::soak {

struct TimeWindow {
  int64_t fromNs = 0, toNs = 0;
};

struct LogLineCheck {
  int64_t lines = 0;                  // numbered lines found
  int64_t lostWhileFull = 0;          // missing numbers inside an allowed window
  std::vector<std::string> problems;  // duplicates, gaps outside a window, unparsable lines
};

// text: one CRI log file (<RFC3339Nano> <stream> <F|P> <text> per line).
LogLineCheck checkNumberedLog(std::string_view text, const std::vector<TimeWindow>& fullWindows);

// RFC3339Nano (as the shim writes it, UTC "Z") to ns since the epoch; -1 when unparsable.
int64_t parseCriTime(std::string_view stamp);

}  // namespace podkeeper::soak
