#pragma once

#include <linux/filter.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/container_runtime.h"

// Compiled seccomp programs kept by what they are compiled from, so that libseccomp runs once
// per distinct profile rather than once per start (RuntimeDefault took about 15 ms of a start):
//   RuntimeDefault  by capability mask (the profile is a function of it; the architecture is
//                   the agent's own, fixed for its life)
//   Localhost       by the profile file's bytes, read at every start (an edited file compiles
//                   again; its path plays no part)
// Each program is stored once in dir, named by its content (<fnv-1a 64>-<instructions>.bpf),
// and install() hard-links that file as a container's seccomp.bpf: no program bytes are
// written per start. The shim and exec read that file as before (seccomp_filter.h).
// Thread-safe: starts may run on several workers at once.
namespace podkeeper::runtime {

class SeccompProgramCache {
 public:
  using Program = std::vector<sock_filter>;
  struct Entry {
    std::shared_ptr<const Program> program;
    std::string file;  // the stored copy in dir
  };

  explicit SeccompProgramCache(std::string dir) : dir_(std::move(dir)) {}
  SeccompProgramCache(const SeccompProgramCache&) = delete;
  SeccompProgramCache& operator=(const SeccompProgramCache&) = delete;

  // The program a container loads, nullopt for none; the same answer (and errors) as
  // containerSeccompProgram, which compiles afresh.
  Result<std::optional<Entry>> programFor(const SeccompSpec& spec,
                                          const std::vector<std::string>& capabilities,
                                          bool privileged);

  // Puts the stored program at target (which must not exist): a hard link, else a copy.
  static Result<void> install(const Entry& entry, const std::string& target);

  size_t compiles() const;  // how often libseccomp ran (for tests)
  size_t size() const;      // distinct programs held

 private:
  Result<Entry> storeLocked(Program program);

  const std::string dir_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> byKey_;  // "RuntimeDefault <mask>" or "Localhost\n<bytes>"
  size_t compiles_ = 0;
};

// The name a program is stored under in the cache directory.
std::string seccompProgramFileName(const std::vector<sock_filter>& program);

}  // namespace podkeeper::runtime
