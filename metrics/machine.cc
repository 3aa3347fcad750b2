#include "metrics/machine.h"

#include <unistd.h>

#include "metrics/proc_files.h"
#include "runtime/sys/atomic_file.h"

namespace podkeeper::metrics {
namespace {

std::string firstLine(const std::string& path) {
  auto text = runtime::readWholeFile(path);
  if (!text) return "";
  return text->substr(0, text->find('\n'));
}

}  // namespace

Result<MachineInfo> readMachineInfo(const MachinePaths& paths) {
  const std::string meminfoPath = paths.procRoot + "/meminfo";
  auto meminfo = runtime::readWholeFile(meminfoPath);
  if (!meminfo) return fail(meminfo.error());
  auto total = meminfoBytes(*meminfo, "MemTotal");
  if (!total) return failMsg(meminfoPath + ": no MemTotal line");

  MachineInfo info;
  info.memoryBytes = *total;
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  info.cpuCores = cpus > 0 ? static_cast<uint64_t>(cpus) : 0;
  info.bootId = firstLine(paths.procRoot + "/sys/kernel/random/boot_id");
  info.machineId = firstLine(paths.etcRoot + "/machine-id");
  info.systemUuid = firstLine(paths.sysRoot + "/class/dmi/id/product_uuid");
  return info;
}

Result<NodeUsage> nodeUsageFrom(std::string_view procStat, std::string_view meminfo,
                                long ticksPerSecond) {
  auto busy = procStatBusyTicks(procStat);
  if (!busy) return failMsg("stat: no parsable \"cpu\" line");
  auto total = meminfoBytes(meminfo, "MemTotal");
  auto free = meminfoBytes(meminfo, "MemFree");
  auto inactiveFile = meminfoBytes(meminfo, "Inactive(file)");
  if (!total || !free) return failMsg("meminfo: MemTotal or MemFree missing");
  uint64_t used = *total > *free ? *total - *free : 0;
  uint64_t inactive = inactiveFile.value_or(0);
  NodeUsage u;
  u.cpuSeconds = static_cast<double>(*busy) / static_cast<double>(ticksPerSecond);
  u.workingSetBytes = used > inactive ? static_cast<double>(used - inactive) : 0.0;
  return u;
}

ProcNodeUsageReader::ProcNodeUsageReader(std::string procRoot)
    : procRoot_(std::move(procRoot)), ticksPerSecond_(::sysconf(_SC_CLK_TCK)) {}

Result<NodeUsage> ProcNodeUsageReader::read() const {
  auto stat = runtime::readWholeFile(procRoot_ + "/stat");
  if (!stat) return fail(stat.error());
  auto meminfo = runtime::readWholeFile(procRoot_ + "/meminfo");
  if (!meminfo) return fail(meminfo.error());
  auto u = nodeUsageFrom(*stat, *meminfo, ticksPerSecond_);
  if (!u) return fail(u.error().context(procRoot_));
  return u;
}

}  // namespace podkeeper::metrics
