#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

// `get pods` rows computed from Pod JSON as kubectl's printer computes them.
namespace podkeeper::cli {

struct PodRow {
  std::string namespace_;
  std::string name;
  std::string ready;     // "1/2"
  std::string status;    // Running, CrashLoopBackOff, Completed, Init:0/1, Terminating...
  std::string restarts;  // "3 (5m ago)"
  std::string age;
  std::string ip;
  std::string node;
};

PodRow podRow(const nlohmann::json& pod, int64_t nowNs);

// kubectl's STATUS column (printPod in kubectl's printers).
std::string podStatusReason(const nlohmann::json& pod);

struct TableOptions {
  bool wide = false;           // adds IP and NODE
  bool withNamespace = false;  // -A: NAMESPACE first
};

// Columns padded as kubectl's tabwriter does (minimum width 6, padding 3).
std::string renderPodTable(const std::vector<PodRow>& rows, const TableOptions& options);

// Generic: one row of cells per line, columns padded as above.
std::string renderTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace podkeeper::cli
