// The device program's encoding, and what it decides, run on a small interpreter of the
// instructions it uses (tests/integration/cgroup loads it into the kernel's verifier).
#include "runtime/cgroup/v2/device_filter.h"

#include <gtest/gtest.h>

#include <array>
#include <optional>

namespace podkeeper::runtime::cgroup {
namespace {

// Runs `program` on one context; nullopt on an instruction the generator should not emit,
// a jump out of the program or a fall off its end.
std::optional<uint64_t> run(const std::vector<bpf_insn>& program, const bpf_cgroup_dev_ctx& ctx) {
  std::array<uint64_t, 11> r{};
  const auto word = [&](int16_t off) -> std::optional<uint64_t> {
    if (off == 0) return ctx.access_type;
    if (off == 4) return ctx.major;
    if (off == 8) return ctx.minor;
    return std::nullopt;
  };
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const bpf_insn& i = program[pc];
    const auto imm = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
    switch (i.code) {
      case BPF_LDX | BPF_MEM | BPF_W: {
        if (i.src_reg != 1) return std::nullopt;
        auto v = word(i.off);
        if (!v) return std::nullopt;
        r[i.dst_reg] = *v;
        break;
      }
      case BPF_ALU64 | BPF_AND | BPF_K:
        r[i.dst_reg] &= imm;
        break;
      case BPF_ALU64 | BPF_RSH | BPF_K:
        r[i.dst_reg] >>= imm;
        break;
      case BPF_ALU64 | BPF_MOV | BPF_K:
        r[i.dst_reg] = imm;
        break;
      case BPF_ALU64 | BPF_MOV | BPF_X:
        r[i.dst_reg] = r[i.src_reg];
        break;
      case BPF_JMP | BPF_JNE | BPF_K:
        if (r[i.dst_reg] != imm) {
          if (i.off < 0 || pc + i.off + 1 >= program.size()) return std::nullopt;
          pc += i.off;
        }
        break;
      case BPF_JMP | BPF_EXIT:
        return r[0];
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

bpf_cgroup_dev_ctx ctx(uint32_t type, uint32_t access, uint32_t major, uint32_t minor) {
  return {access << 16 | type, major, minor};
}

// The meaning of an allowlist, written plainly: some rule has the type, numbers and bits.
bool listAllows(const std::vector<DeviceRule>& rules, uint32_t type, uint32_t access,
                uint32_t major, uint32_t minor) {
  for (const auto& r : rules) {
    const bool typeOk =
        r.type == DeviceType::All ||
        (r.type == DeviceType::Block ? type == BPF_DEVCG_DEV_BLOCK : type == BPF_DEVCG_DEV_CHAR);
    if (typeOk && (access & ~uint32_t{r.access}) == 0 && (!r.major || *r.major == major) &&
        (!r.minor || *r.minor == minor))
      return true;
  }
  return false;
}

constexpr uint32_t kBlock = BPF_DEVCG_DEV_BLOCK, kChar = BPF_DEVCG_DEV_CHAR;
constexpr uint32_t kOpenRw = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

TEST(DeviceFilter, OneRuleEncodesAsLoadsTestsAndVerdicts) {
  const auto p = deviceFilterProgram({{DeviceType::Char, 1, 3, kDeviceRwm}});
  ASSERT_EQ(p.size(), 6u + 5u + 2u);  // loads, the rule (3 tests, allow), deny
  // r2 = type, r3 = access, r4 = major, r5 = minor.
  EXPECT_EQ(p[0].code, BPF_LDX | BPF_MEM | BPF_W);
  EXPECT_EQ(p[0].dst_reg, 2);
  EXPECT_EQ(p[0].src_reg, 1);
  EXPECT_EQ(p[0].off, 0);
  EXPECT_EQ(p[1].code, BPF_ALU64 | BPF_AND | BPF_K);
  EXPECT_EQ(p[1].imm, 0xffff);
  EXPECT_EQ(p[3].code, BPF_ALU64 | BPF_RSH | BPF_K);
  EXPECT_EQ(p[3].imm, 16);
  EXPECT_EQ(p[4].off, 4);
  EXPECT_EQ(p[5].off, 8);
  // if type != char skip 3; if major != 1 skip 2; if minor != 3 skip 1; r0 = 1; exit.
  EXPECT_EQ(p[6].code, BPF_JMP | BPF_JNE | BPF_K);
  EXPECT_EQ(p[6].dst_reg, 2);
  EXPECT_EQ(p[6].imm, static_cast<int32_t>(BPF_DEVCG_DEV_CHAR));
  EXPECT_EQ(p[6].off, 4);
  EXPECT_EQ(p[7].dst_reg, 4);
  EXPECT_EQ(p[7].imm, 1);
  EXPECT_EQ(p[7].off, 3);
  EXPECT_EQ(p[8].dst_reg, 5);
  EXPECT_EQ(p[8].imm, 3);
  EXPECT_EQ(p[8].off, 2);
  EXPECT_EQ(p[9].code, BPF_ALU64 | BPF_MOV | BPF_K);
  EXPECT_EQ(p[9].imm, 1);
  EXPECT_EQ(p[10].code, BPF_JMP | BPF_EXIT);
  // Nothing matched: r0 = 0; exit.
  EXPECT_EQ(p[11].code, BPF_ALU64 | BPF_MOV | BPF_K);
  EXPECT_EQ(p[11].imm, 0);
  EXPECT_EQ(p.back().code, BPF_JMP | BPF_EXIT);
}

TEST(DeviceFilter, SameRulesGiveTheSameProgram) {
  const auto a = deviceFilterProgram(defaultDeviceRules());
  const auto b = deviceFilterProgram(defaultDeviceRules());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].code, b[i].code);
    EXPECT_EQ(a[i].dst_reg, b[i].dst_reg);
    EXPECT_EQ(a[i].src_reg, b[i].src_reg);
    EXPECT_EQ(a[i].off, b[i].off);
    EXPECT_EQ(a[i].imm, b[i].imm);
  }
}

TEST(DeviceFilter, DefaultProgramLetsMknodAnyBlockDeviceButNotOpenIt) {
  const auto p = deviceFilterProgram(defaultDeviceRules());
  EXPECT_EQ(run(p, ctx(kBlock, BPF_DEVCG_ACC_MKNOD, 8, 0)), 1u);
  EXPECT_EQ(run(p, ctx(kBlock, BPF_DEVCG_ACC_READ, 8, 0)), 0u);
  EXPECT_EQ(run(p, ctx(kBlock, kOpenRw, 8, 0)), 0u);
}

TEST(DeviceFilter, DefaultProgramDeniesOpeningDevMem) {
  const auto p = deviceFilterProgram(defaultDeviceRules());
  EXPECT_EQ(run(p, ctx(kChar, BPF_DEVCG_ACC_READ, 1, 1)), 0u);
  EXPECT_EQ(run(p, ctx(kChar, BPF_DEVCG_ACC_MKNOD, 1, 1)), 1u);
}

TEST(DeviceFilter, DefaultProgramAllowsTheStandardDevices) {
  const auto p = deviceFilterProgram(defaultDeviceRules());
  for (auto [major, minor] : {std::pair{1u, 3u},
                              {1u, 5u},
                              {1u, 7u},
                              {1u, 8u},
                              {1u, 9u},
                              {5u, 0u},
                              {5u, 2u},
                              {136u, 0u},
                              {136u, 77u},
                              {10u, 200u}}) {
    EXPECT_EQ(run(p, ctx(kChar, kOpenRw, major, minor)), 1u) << major << ":" << minor;
  }
}

TEST(DeviceFilter, DefaultProgramDecidesAsTheListReadsForEveryAccess) {
  const auto rules = defaultDeviceRules();
  const auto p = deviceFilterProgram(rules);
  for (uint32_t type : {kBlock, kChar}) {
    for (uint32_t access = 1; access <= 7; ++access) {
      for (uint32_t major : {0u, 1u, 4u, 5u, 8u, 10u, 136u, 254u}) {
        for (uint32_t minor : {0u, 1u, 2u, 3u, 5u, 7u, 8u, 9u, 200u, 1000u}) {
          const auto got = run(p, ctx(type, access, major, minor));
          ASSERT_TRUE(got.has_value());
          EXPECT_EQ(*got, listAllows(rules, type, access, major, minor) ? 1u : 0u)
              << "type " << type << " access " << access << " " << major << ":" << minor;
        }
      }
    }
  }
}

TEST(DeviceFilter, PrivilegedProgramAllowsEverythingAndEndsThere) {
  const auto p = deviceFilterProgram(allDevicesRule());
  ASSERT_EQ(p.size(), 6u + 2u);  // no unreachable "deny" for the verifier to reject
  EXPECT_EQ(run(p, ctx(kBlock, kOpenRw, 8, 0)), 1u);
  EXPECT_EQ(run(p, ctx(kChar, kOpenRw, 1, 1)), 1u);
}

TEST(DeviceFilter, NoRulesDenyEverything) {
  const auto p = deviceFilterProgram({});
  EXPECT_EQ(run(p, ctx(kChar, BPF_DEVCG_ACC_MKNOD, 1, 3)), 0u);
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
