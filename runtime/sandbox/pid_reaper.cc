#include "runtime/sandbox/pid_reaper.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "common/json_text.h"
#include "runtime/bundle/json_fields.h"
#include "runtime/bundle/shim_launcher.h"
#include "runtime/sandbox/namespace_pins.h"
#include "runtime/sys/atomic_file.h"
#include "runtime/sys/proc.h"
#include "runtime/sys/syscalls.h"
#include "runtime/sys/wait.h"

namespace podkeeper::runtime {
namespace {

constexpr auto kReaperExitWait = std::chrono::seconds(5);

struct ReaperRecord {
  pid_t pid = 0;
  uint64_t startTime = 0;
};

std::optional<ReaperRecord> readRecord(const StateLayout& layout, const std::string& uid) {
  const std::string file = layout.reaperFile(uid);
  auto text = readWholeFile(file);
  if (!text) return std::nullopt;
  auto j = parseJson(*text, file);
  if (!j) return std::nullopt;
  JsonFields f(*j, file);
  ReaperRecord r{f.required<pid_t>("pid"), f.required<uint64_t>("startTime")};
  if (f.error()) {
    spdlog::warn("sandbox {}: {}", uid, f.error()->message);
    return std::nullopt;
  }
  return r;
}

}  // namespace

Result<void> ensurePidReaper(const StateLayout& layout, const std::string& uid,
                             const SealedBinary& shim, cgroup::CgroupManager& cgroups,
                             const cgroup::CgroupPath& shimCgroup,
                             std::chrono::milliseconds timeout) {
  const std::string nsDir = layout.nsDir(uid);
  const auto old = readRecord(layout, uid);
  if (old && processAlive(old->pid, old->startTime) && namespacePinsValid(nsDir, {"pid"})) {
    return {};
  }
  if (old) {
    spdlog::warn(
        "sandbox {}: the shared pid namespace's reaper (pid {}) is gone; starting a "
        "new one",
        uid, old->pid);
  }
  stopPidReaper(layout, uid);
  if (auto r = makeDirs(nsDir, 0711); !r) return r;
  if (auto r = makeSharedSelfBind(nsDir); !r) return r;
  if (auto r = unmountAll(nsDir + "/pid"); !r) return r;
  pid_t intermediate = 0;
  auto started = launchPidReaper(shim, nsDir, timeout, intermediate);
  if (!started) return fail(started.error().context("start the pid namespace's reaper"));
  const pid_t init = started->containerPid;
  auto startTime = readProcStartTime(init);
  if (!startTime) {
    return fail(startTime.error().context("the pid namespace's reaper " + std::to_string(init)));
  }
  const std::string record = dumpJson(nlohmann::json{{"pid", init}, {"startTime", *startTime}}, 2);
  if (auto r = writeFileAtomic(layout.reaperFile(uid), record); !r) {
    ::kill(init, SIGKILL);
    return r;
  }
  auto placed = cgroups.create(shimCgroup);
  if (placed) placed = cgroups.addProcess(shimCgroup, init);
  if (!placed) {
    spdlog::warn("sandbox {}: reaper {} stays outside {}: {}", uid, init, shimCgroup,
                 placed.error().message);
  }
  spdlog::info("sandbox {}: shared pid namespace pinned, reaper pid {}", uid, init);
  return {};
}

void stopPidReaper(const StateLayout& layout, const std::string& uid) {
  const auto rec = readRecord(layout, uid);
  if (!rec) return;
  if (auto pidfd = openCheckedPidfd(rec->pid, rec->startTime)) {
    sys::pidfdSendSignal(pidfd->get(), SIGKILL);
    if (!waitReadable(pidfd->get(), kReaperExitWait)) {
      spdlog::warn("sandbox {}: reaper {} did not exit after SIGKILL", uid, rec->pid);
    }
  }
  ::unlink(layout.reaperFile(uid).c_str());
}

}  // namespace podkeeper::runtime
