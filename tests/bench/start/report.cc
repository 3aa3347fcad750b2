#include "report.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace pkbench {

void printReportHeader(const std::string& title, const std::string& details, const CommonOptions& o,
                       const std::vector<std::string>& args) {
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::printf("%s  %s  %s%ld CPUs  loadavg %s\n", title.c_str(), when, details.c_str(),
              ::sysconf(_SC_NPROCESSORS_ONLN), loadavg().c_str());
  if (!o.invocation.empty()) std::printf("command: %s\n", o.invocation.c_str());
  std::printf("binary:  %s\n", shellQuote(args).c_str());
}

std::string busyboxRootfs(const CommonOptions& o) {
  std::string rootfs = o.imageDir + "/busybox/latest/rootfs";
  if (!exists(rootfs + "/bin/busybox")) throw std::runtime_error("no busybox in " + rootfs);
  return rootfs;
}

int runReport(const std::string& program, const std::function<void()>& body) {
  try {
    body();
    return 0;
  } catch (const Interrupted&) {
    std::printf("\nINTERRUPTED: the tables above are all there is\n");
    std::fprintf(stderr, "\ninterrupted; cleaned up\n");
    return 130;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\n%s: %s\n", program.c_str(), e.what());
    return 1;
  }
}

}  // namespace pkbench
