#include "runtime/cgroup/v2/device_filter.h"

#include <cstddef>

namespace podkeeper::runtime::cgroup {
namespace {

static_assert(kDeviceMknod == BPF_DEVCG_ACC_MKNOD && kDeviceRead == BPF_DEVCG_ACC_READ &&
                  kDeviceWrite == BPF_DEVCG_ACC_WRITE,
              "access bits are the kernel's");

// Registers: r1 the context (free after the loads), r2 device type, r3 access, r4 major,
// r5 minor, r0 the verdict.
constexpr uint8_t kCtx = 1, kType = 2, kAccess = 3, kMajor = 4, kMinor = 5, kScratch = 1;

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

bpf_insn loadCtxWord(uint8_t dst, int16_t offset) {
  return insn(BPF_LDX | BPF_MEM | BPF_W, dst, kCtx, offset, 0);
}
bpf_insn alu(uint8_t op, uint8_t dst, int32_t imm) {
  return insn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn movReg(uint8_t dst, uint8_t src) {
  return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}
// "if dst != imm goto end of rule"; the offset is patched once the rule's length is known.
bpf_insn jumpIfNot(uint8_t dst, int32_t imm) {
  return insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm);
}
bpf_insn exitInsn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

void verdict(std::vector<bpf_insn>& out, int32_t allow) {
  out.push_back(alu(BPF_MOV, 0, allow));
  out.push_back(exitInsn());
}

// The tests that must all pass for the rule to allow the access; empty = matches everything.
std::vector<bpf_insn> conditions(const DeviceRule& rule) {
  std::vector<bpf_insn> out;
  if (rule.type != DeviceType::All) {
    out.push_back(jumpIfNot(
        kType, rule.type == DeviceType::Block ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
  }
  if ((rule.access & kDeviceRwm) != kDeviceRwm) {
    // Allowed only when no requested bit is outside the rule's.
    out.push_back(movReg(kScratch, kAccess));
    out.push_back(alu(BPF_AND, kScratch, static_cast<int32_t>(~uint32_t{rule.access})));
    out.push_back(jumpIfNot(kScratch, 0));
  }
  if (rule.major) out.push_back(jumpIfNot(kMajor, static_cast<int32_t>(*rule.major)));
  if (rule.minor) out.push_back(jumpIfNot(kMinor, static_cast<int32_t>(*rule.minor)));
  return out;
}

}  // namespace

std::vector<bpf_insn> deviceFilterProgram(const std::vector<DeviceRule>& rules) {
  std::vector<bpf_insn> out = {
      loadCtxWord(kType, offsetof(bpf_cgroup_dev_ctx, access_type)),
      alu(BPF_AND, kType, 0xffff),
      loadCtxWord(kAccess, offsetof(bpf_cgroup_dev_ctx, access_type)),
      alu(BPF_RSH, kAccess, 16),
      loadCtxWord(kMajor, offsetof(bpf_cgroup_dev_ctx, major)),
      loadCtxWord(kMinor, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  for (const DeviceRule& rule : rules) {
    std::vector<bpf_insn> block = conditions(rule);
    const bool matchesAll = block.empty();
    verdict(block, 1);
    // Every failed test skips to the first instruction after this rule's "allow".
    for (size_t i = 0; i < block.size(); ++i) {
      if (block[i].code == (BPF_JMP | BPF_JNE | BPF_K)) {
        block[i].off = static_cast<int16_t>(block.size() - i - 1);
      }
    }
    out.insert(out.end(), block.begin(), block.end());
    // The verifier rejects unreachable instructions: nothing may follow an unconditional allow.
    if (matchesAll) return out;
  }
  verdict(out, 0);
  return out;
}

}  // namespace podkeeper::runtime::cgroup
