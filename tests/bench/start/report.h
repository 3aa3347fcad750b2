#pragma once

#include <functional>
#include <string>
#include <vector>

#include "harness.h"

// What every benchmark report shares: its header, the image it runs, its exit status.
namespace pkbench {

// The report's first lines: "<title>  <UTC time>  <details><n> CPUs  loadavg <l>", then the
// command the script ran (when given) and this program's argv. details is "" or ends in "  ".
void printReportHeader(const std::string& title, const std::string& details, const CommonOptions& o,
                       const std::vector<std::string>& args);
// <imageDir>/busybox/latest/rootfs; throws when busybox is not in it.
std::string busyboxRootfs(const CommonOptions& o);
// Runs the body of a benchmark (its runs and tables) and returns the program's exit status:
// 0; 130 when interrupted (the tables printed so far are all there is); 1 on an error, which
// is printed prefixed with the program's name.
int runReport(const std::string& program, const std::function<void()>& body);

}  // namespace pkbench
