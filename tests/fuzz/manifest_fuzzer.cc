// libFuzzer target for the manifest decoder: any bytes in, diagnostics or pods out, and the
// invariants below hold. Run it with tests/fuzz/run-fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "manifests/decode.h"
#include "manifests/manifest_set.h"
#include "manifests/pod_json.h"

namespace pm = podkeeper::manifests;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view contents(reinterpret_cast<const char*>(data), size);
  pm::DecodeResult result = pm::decodeManifest("fuzz.yaml", contents);
  for (const auto& d : result.diagnostics) {
    if (d.str().empty()) __builtin_trap();
  }
  // Pods are only handed out when the file has no error.
  if (!result.ok() && !result.pods.empty()) __builtin_trap();
  for (const auto& pod : result.pods) {
    if (pod.uid.empty() || pod.specHash.rfind("v1:", 0) != 0) __builtin_trap();
    if (pm::dumpJson(pm::podToJson(pod.pod)).empty()) __builtin_trap();
  }
  // A broken update must never drop the last good pods of a file.
  pm::ManifestSet set;
  set.update("a.yaml", contents);
  const size_t before = set.snapshot().pods.size();
  set.update("a.yaml", "apiVersion: v1\nkind: Pod\n");
  if (set.snapshot().pods.size() != before) __builtin_trap();
  return 0;
}
