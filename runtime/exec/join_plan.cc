#include "runtime/exec/join_plan.h"

#include <cstdint>
#include <cstring>
#include <optional>

namespace podkeeper::runtime {
namespace {

constexpr std::string_view kMagic = "pk-join-1\n";

class Writer {
 public:
  void u64(uint64_t v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void u32(uint32_t v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void bytes(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void strings(const std::vector<std::string>& v) {
    u32(static_cast<uint32_t>(v.size()));
    for (const auto& s : v) bytes(s);
  }
  void optionalId(const std::optional<uint32_t>& id) {
    u32(id ? 1 : 0);
    u32(id.value_or(0));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads fields in order; the first short or absurd one is remembered and named.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  template <class T>
  T scalar(const char* field) {
    T v{};
    if (!take(field, &v, sizeof v)) return T{};
    return v;
  }
  // A count of items of at least itemSize bytes each, checked against what is left.
  uint32_t count(const char* field, size_t itemSize) {
    const auto n = scalar<uint32_t>(field);
    if (!error_ && n > in_.size() / itemSize)
      fail(field, "truncated (" + std::to_string(n) + " items)");
    return error_ ? 0 : n;
  }
  std::string bytes(const char* field) {
    const auto n = count(field, 1);
    std::string s(n, '\0');
    if (!take(field, s.data(), n)) return {};
    return s;
  }
  std::vector<std::string> strings(const char* field) {
    std::vector<std::string> out(count(field, sizeof(uint32_t)));
    for (auto& s : out) s = bytes(field);
    return out;
  }
  template <class T>
  std::optional<T> optionalId(const char* field) {
    const auto present = scalar<uint32_t>(field);
    const auto value = scalar<uint32_t>(field);
    if (present > 1) fail(field, "bad presence flag");
    return present ? std::optional<T>(static_cast<T>(value)) : std::nullopt;
  }
  bool take(const char* field, void* to, size_t n) {
    if (error_) return false;
    if (in_.size() < n) {
      fail(field, "truncated");
      return false;
    }
    std::memcpy(to, in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  void fail(const char* field, const std::string& what) {
    if (!error_) error_ = "join plan: field \"" + std::string(field) + "\": " + what;
  }
  bool atEnd() const { return in_.empty(); }
  const std::optional<std::string>& error() const { return error_; }

 private:
  std::string_view in_;
  std::optional<std::string> error_;
};

}  // namespace

std::string encodeJoinPlan(const JoinPlan& plan) {
  Writer w;
  w.bytes(kMagic);
  w.strings(plan.argv);
  w.strings(plan.env);
  w.bytes(plan.workingDir);
  const auto& id = plan.identity;
  w.u64(id.capabilityMask);
  w.u32(id.noNewPrivileges ? 1 : 0);
  w.optionalId(id.uid);
  w.optionalId(id.gid);
  w.u32(static_cast<uint32_t>(id.groups.size()));
  for (gid_t g : id.groups) w.u32(g);
  w.bytes(std::string_view(reinterpret_cast<const char*>(id.seccompProgram.data()),
                           id.seccompProgram.size() * sizeof(sock_filter)));
  return w.take();
}

Result<JoinPlan> decodeJoinPlan(std::string_view text) {
  Reader r(text);
  if (r.bytes("magic") != kMagic) r.fail("magic", "not a join plan");
  JoinPlan plan;
  plan.argv = r.strings("argv");
  plan.env = r.strings("env");
  plan.workingDir = r.bytes("workingDir");
  auto& id = plan.identity;
  id.capabilityMask = r.scalar<uint64_t>("capabilityMask");
  const auto nnp = r.scalar<uint32_t>("noNewPrivileges");
  if (nnp > 1) r.fail("noNewPrivileges", "not 0 or 1");
  id.noNewPrivileges = nnp == 1;
  id.uid = r.optionalId<uid_t>("uid");
  id.gid = r.optionalId<gid_t>("gid");
  id.groups.resize(r.count("groups", sizeof(uint32_t)));
  for (auto& g : id.groups) g = r.scalar<uint32_t>("groups");
  const std::string program = r.bytes("seccompProgram");
  if (program.size() % sizeof(sock_filter) != 0) {
    r.fail("seccompProgram", std::to_string(program.size()) + " bytes is not whole instructions");
  }
  if (!r.error() && !r.atEnd()) r.fail("seccompProgram", "trailing bytes after the plan");
  if (!r.error() && plan.argv.empty()) r.fail("argv", "empty command");
  if (r.error()) return failMsg(*r.error());
  id.seccompProgram.resize(program.size() / sizeof(sock_filter));
  std::memcpy(id.seccompProgram.data(), program.data(), program.size());
  return plan;
}

}  // namespace podkeeper::runtime
