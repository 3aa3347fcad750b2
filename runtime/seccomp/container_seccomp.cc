#include "runtime/seccomp/container_seccomp.h"

#include "runtime/seccomp/seccomp_compile.h"
#include "runtime/seccomp/seccomp_default.h"
#include "runtime/seccomp/seccomp_profile.h"
#include "runtime/sys/capabilities.h"

namespace podkeeper::runtime {

Result<std::optional<std::vector<sock_filter>>> containerSeccompProgram(
    const SeccompSpec& spec, const std::vector<std::string>& capabilities, bool privileged) {
  using Program = std::optional<std::vector<sock_filter>>;
  if (privileged || spec.kind == SeccompSpec::Kind::Unconfined) return Program();
  if (spec.kind == SeccompSpec::Kind::RuntimeDefault) {
    auto mask = capabilityMask(capabilities);
    if (!mask) return fail(mask.error());
    auto program =
        compileSeccompProfile(runtimeDefaultSeccompProfile(*mask), "seccomp profile RuntimeDefault",
                              {.skipUnknownSyscalls = true});
    if (!program) return fail(program.error());
    return Program(std::move(*program));
  }
  auto profile = loadLocalhostSeccompProfile(spec.profileRoot, spec.localhostProfile);
  if (!profile) return fail(profile.error());
  auto program = compileSeccompProfile(
      *profile, "seccomp profile " + spec.profileRoot + "/" + spec.localhostProfile);
  if (!program) return fail(program.error());
  return Program(std::move(*program));
}

}  // namespace podkeeper::runtime
