// libFuzzer target for the path a manifest takes into the runtime: decode -> validate ->
// admit -> runtime specs -> shim config encoding. Any bytes in; diagnostics or a config that
// round-trips out, and the invariants below hold. Run it with tests/fuzz/run-fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/json_text.h"
#include "manifests/admission.h"
#include "manifests/decode.h"
#include "manifests/manifest_set.h"
#include "manifests/pod_json.h"
#include "manifests/utf8.h"
#include "reconciler/runtime_specs.h"
#include "runtime/bundle/container_config.h"
#include "runtime/bundle/shim_config.h"
#include "runtime/image/image_store.h"

namespace pm = podkeeper::manifests;
namespace pr = podkeeper::reconciler;
namespace rt = podkeeper::runtime;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// What the runtime writes for the container: the spec's part as LinuxRuntime makes it, plus
// the mounts and capabilities; it must encode without throwing and decode back.
void encodeShimConfig(const rt::ContainerSpec& spec) {
  rt::ShimConfig cfg = rt::shimConfigFromSpec(spec);
  cfg.sandboxDir = cfg.cgroupPath = cfg.shimCgroup = "x";
  cfg.capabilities = spec.capAdd;
  for (const auto& m : spec.mounts)
    cfg.mounts.push_back(
        {m.source.empty() ? m.emptyDir : m.source, m.destination, m.readOnly, m.subPath, m.volume});
  const std::string text = rt::encodeShimConfig(cfg);
  check(!pm::findInvalidUtf8(text));
  auto back = rt::decodeShimConfig(text, "config.json");
  // Decoding refuses an empty command; everything else the encoder wrote comes back as is.
  check(!back || *back == cfg);
}

void toRuntime(const pm::DecodedPod& pod) {
  pr::NodePaths paths;
  paths.logDir = "/var/log/pods";
  paths.cgroupRoot = "pk";
  paths.nodeName = "node";
  paths.hostIP = "10.0.0.1";
  paths.cpuMilli = 2000;
  paths.memoryBytes = 1 << 30;
  auto sandbox = pr::sandboxSpec(pod, paths);
  check(sandbox.uid == pod.uid);
  (void)pr::downwardAPIVolumes(pod, paths);
  for (const auto* list : {&pod.pod.spec.initContainers, &pod.pod.spec.containers})
    for (const auto& c : *list) {
      // The reference as an ImageService over --image-dir maps it (without the filesystem).
      auto rootfs = rt::resolveImageRootfs("/images", c.image);
      if (!rootfs) continue;
      auto spec = pr::containerSpec(pod, c, paths, 0, rt::ResolvedImage{{*rootfs}, "", {}, {}});
      if (spec) encodeShimConfig(*spec);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view contents(reinterpret_cast<const char*>(data), size);
  pm::DecodeResult result = pm::decodeManifest("fuzz.yaml", contents);
  for (const auto& d : result.diagnostics) {
    check(!d.str().empty());
    // A decoder that threw is a bug, even though the file is only refused for it.
    // (The prefix, not a substring: other messages quote the input, which may say anything.)
    check(!d.message.starts_with("internal error while decoding this document: "));
  }
  // Pods are only handed out when the file has no error, and then the file is UTF-8.
  check(result.ok() || result.pods.empty());
  if (!result.pods.empty()) check(!pm::findInvalidUtf8(contents));
  for (const auto& pod : result.pods) {
    check(!pod.uid.empty() && pod.specHash.rfind("v1:", 0) == 0);
    check(!podkeeper::dumpJson(pm::podToJson(pod.pod)).empty());
    // Refused pods never reach the runtime; admitted ones go all the way to config.json.
    if (pm::admit(pod.pod, {}).admitted()) toRuntime(pod);
  }
  // A broken update must never drop the last good pods of a file.
  pm::ManifestSet set;
  set.update("a.yaml", contents);
  const size_t before = set.snapshot().pods.size();
  set.update("a.yaml", "apiVersion: v1\nkind: Pod\n");
  check(set.snapshot().pods.size() == before);
  return 0;
}
