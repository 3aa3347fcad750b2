#include "runtime/cgroup/v2/devices_v2.h"

#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"
#include "runtime/cgroup/v2/device_filter.h"

namespace podkeeper::runtime::cgroup {
namespace {

static_assert(sizeof("podkeeper_dev") <= BPF_OBJ_NAME_LEN);

// The kernel does not check a program's license unless it calls GPL-only helpers; this one
// calls no helper at all.
constexpr char kLicense[] = "Apache-2.0";

long bpf(int cmd, bpf_attr& attr) { return ::syscall(__NR_bpf, cmd, &attr, sizeof(attr)); }

uint64_t pointer(const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); }

// The verifier's complaint (its last lines), for the error of a program it rejected.
std::string verifierLog(const std::vector<bpf_insn>& program) {
  std::string log(16 * 1024, '\0');
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = pointer(program.data());
  attr.insn_cnt = static_cast<uint32_t>(program.size());
  attr.license = pointer(kLicense);
  attr.log_level = 1;
  attr.log_buf = pointer(log.data());
  attr.log_size = static_cast<uint32_t>(log.size());
  UniqueFd fd(static_cast<int>(bpf(BPF_PROG_LOAD, attr)));
  log.resize(std::strlen(log.c_str()));
  while (!log.empty() && log.back() == '\n') log.pop_back();
  const size_t cut = log.size() > 400 ? log.find('\n', log.size() - 400) : std::string::npos;
  return cut == std::string::npos ? log : log.substr(cut + 1);
}

Result<UniqueFd> loadProgram(const std::vector<bpf_insn>& program, const std::string& where) {
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.expected_attach_type = BPF_CGROUP_DEVICE;
  attr.insns = pointer(program.data());
  attr.insn_cnt = static_cast<uint32_t>(program.size());
  attr.license = pointer(kLicense);
  std::strncpy(attr.prog_name, kDeviceProgramName, sizeof(attr.prog_name) - 1);
  // The verifier gives up with EAGAIN when a signal arrives while it runs (a child of another
  // thread exiting); libbpf tries five times, so does this.
  UniqueFd fd;
  for (int attempt = 0; attempt < 5 && !fd.valid(); ++attempt) {
    fd.reset(static_cast<int>(bpf(BPF_PROG_LOAD, attr)));
    if (!fd.valid() && errno != EAGAIN) break;
  }
  if (fd.valid()) return fd;
  const int err = errno;
  std::string what = "bpf(BPF_PROG_LOAD) of the device program for " + where;
  if (err == EINVAL || err == EACCES) what += " (verifier: " + verifierLog(program) + ")";
  return failSys(err, what);
}

Result<bpf_prog_info> programInfo(int progFd, const std::string& where) {
  bpf_prog_info info{};
  bpf_attr attr{};
  attr.info.bpf_fd = static_cast<uint32_t>(progFd);
  attr.info.info_len = sizeof(info);
  attr.info.info = pointer(&info);
  if (bpf(BPF_OBJ_GET_INFO_BY_FD, attr) != 0) {
    return failSys(errno, "bpf(BPF_OBJ_GET_INFO_BY_FD) of a device program of " + where);
  }
  return info;
}

Result<std::vector<uint32_t>> attachedIds(const CgroupDir& dir) {
  // A container's cgroup holds one program of ours, briefly two; 64 leaves room for others'.
  std::array<uint32_t, 64> ids{};
  bpf_attr attr{};
  attr.query.target_fd = static_cast<uint32_t>(dir.fd());
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = pointer(ids.data());
  attr.query.prog_cnt = ids.size();
  if (bpf(BPF_PROG_QUERY, attr) != 0) {
    return failSys(errno, "bpf(BPF_PROG_QUERY) of the device programs of " + dir.path());
  }
  return std::vector<uint32_t>(ids.begin(), ids.begin() + attr.query.prog_cnt);
}

// nullopt (not an error) when the program went away since the query.
Result<std::optional<UniqueFd>> programById(uint32_t id, const std::string& where) {
  bpf_attr attr{};
  attr.prog_id = id;
  UniqueFd fd(static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, attr)));
  if (fd.valid()) return std::optional<UniqueFd>(std::move(fd));
  if (errno == ENOENT) return std::optional<UniqueFd>();
  return failSys(errno, "bpf(BPF_PROG_GET_FD_BY_ID) " + std::to_string(id) + " of " + where);
}

bool isOurs(const bpf_prog_info& info) {
  return std::strncmp(info.name, kDeviceProgramName, sizeof(info.name)) == 0;
}

}  // namespace

Result<std::vector<AttachedProgram>> attachedDevicePrograms(const CgroupDir& dir) {
  auto ids = attachedIds(dir);
  if (!ids) return fail(ids.error());
  std::vector<AttachedProgram> out;
  for (uint32_t id : *ids) {
    auto fd = programById(id, dir.path());
    if (!fd) return fail(fd.error());
    if (!*fd) continue;
    auto info = programInfo((*fd)->get(), dir.path());
    if (!info) return fail(info.error());
    out.push_back({id, std::string(info->name, strnlen(info->name, sizeof(info->name)))});
  }
  return out;
}

namespace {

Result<std::shared_ptr<const DeviceProgramCache::Loaded>> loadWithId(
    const std::vector<bpf_insn>& program, const std::string& where) {
  auto fd = loadProgram(program, where);
  if (!fd) return fail(fd.error());
  auto info = programInfo(fd->get(), where);
  if (!info) return fail(info.error());
  auto loaded = std::make_shared<DeviceProgramCache::Loaded>();
  loaded->fd = std::move(*fd);
  loaded->id = info->id;
  return std::shared_ptr<const DeviceProgramCache::Loaded>(std::move(loaded));
}

}  // namespace

Result<std::shared_ptr<const DeviceProgramCache::Loaded>> DeviceProgramCache::get(
    const std::vector<bpf_insn>& program, const std::string& where) {
  std::string bytes(reinterpret_cast<const char*>(program.data()),
                    program.size() * sizeof(bpf_insn));
  std::lock_guard lock(mutex_);
  for (const auto& [key, loaded] : programs_)
    if (key == bytes) return loaded;
  auto loaded = loadWithId(program, where);
  if (!loaded) return fail(loaded.error());
  if (programs_.size() >= kMaxPrograms) programs_.erase(programs_.begin());
  programs_.emplace_back(std::move(bytes), *loaded);
  return loaded;
}

Result<void> applyDevicesV2(const CgroupDir& dir, const std::vector<DeviceRule>& rules,
                            DeviceProgramCache* cache) {
  auto before = attachedIds(dir);
  if (!before) return fail(before.error());
  const auto instructions = deviceFilterProgram(rules);
  auto program =
      cache ? cache->get(instructions, dir.path()) : loadWithId(instructions, dir.path());
  if (!program) return fail(program.error());
  const uint32_t current = (*program)->id;
  // Attached already (the same rules applied again): attaching it twice is refused.
  if (std::find(before->begin(), before->end(), current) == before->end()) {
    bpf_attr attach{};
    attach.target_fd = static_cast<uint32_t>(dir.fd());
    attach.attach_bpf_fd = static_cast<uint32_t>((*program)->fd.get());
    attach.attach_type = BPF_CGROUP_DEVICE;
    attach.attach_flags = BPF_F_ALLOW_MULTI;
    if (bpf(BPF_PROG_ATTACH, attach) != 0) {
      return failSys(errno, "bpf(BPF_PROG_ATTACH) of the device program to " + dir.path());
    }
  }
  for (uint32_t id : *before) {
    if (id == current) continue;
    auto old = programById(id, dir.path());
    if (!old) return fail(old.error());
    if (!*old) continue;
    auto info = programInfo((*old)->get(), dir.path());
    if (!info) return fail(info.error());
    if (!isOurs(*info)) continue;
    bpf_attr detach{};
    detach.target_fd = static_cast<uint32_t>(dir.fd());
    detach.attach_bpf_fd = static_cast<uint32_t>((*old)->get());
    detach.attach_type = BPF_CGROUP_DEVICE;
    if (bpf(BPF_PROG_DETACH, detach) != 0 && errno != ENOENT) {
      return failSys(errno, "bpf(BPF_PROG_DETACH) of device program " + std::to_string(id) +
                                " from " + dir.path());
    }
  }
  return {};
}

}  // namespace podkeeper::runtime::cgroup
