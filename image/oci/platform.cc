#include "image/oci/platform.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>

namespace podkeeper::image {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The variants `want` runs, best first (containerd's Only: arm v8 runs v7..v5, v7 runs v6, v5).
std::vector<std::string> compatibleVariants(const Platform& want) {
  if (want.architecture == "arm") {
    static const std::vector<std::string> kArm = {"v8", "v7", "v6", "v5"};
    const auto it = std::find(kArm.begin(), kArm.end(), want.variant);
    if (it == kArm.end()) return {want.variant};
    return {it, kArm.end()};
  }
  if (want.architecture == "amd64") {
    static const std::vector<std::string> kAmd = {"v4", "v3", "v2", ""};
    const auto it = std::find(kAmd.begin(), kAmd.end(), want.variant);
    if (it == kAmd.end()) return {want.variant};
    return {it, kAmd.end()};
  }
  return {want.variant};
}

}  // namespace

Platform normalizePlatform(Platform p) {
  p.os = lower(p.os);
  p.architecture = lower(p.architecture);
  p.variant = lower(p.variant);
  if (p.architecture == "x86_64" || p.architecture == "x86-64") {
    p.architecture = "amd64";
  } else if (p.architecture == "i386" || p.architecture == "i686") {
    p.architecture = "386";
  } else if (p.architecture == "aarch64" || p.architecture == "arm64") {
    p.architecture = "arm64";
    if (p.variant == "8" || p.variant == "v8") p.variant = "";
  } else if (p.architecture == "armhf") {
    p.architecture = "arm";
    p.variant = "v7";
  } else if (p.architecture == "armel") {
    p.architecture = "arm";
    p.variant = "v6";
  } else if (p.architecture == "arm") {
    if (p.variant.empty() || p.variant == "7") p.variant = "v7";
    if (p.variant == "5" || p.variant == "6" || p.variant == "8") p.variant = "v" + p.variant;
  } else if (p.architecture == "amd64" && p.variant == "v1") {
    p.variant = "";
  }
  return p;
}

Platform hostPlatform() {
  utsname u{};
  ::uname(&u);
  std::string machine = u.machine;
  Platform p{"linux", machine, ""};
  if (machine.starts_with("armv")) p = {"linux", "arm", "v" + machine.substr(4, 1)};
  return normalizePlatform(p);
}

std::optional<size_t> selectManifest(const std::vector<Descriptor>& manifests,
                                     const Platform& wantRaw) {
  const Platform want = normalizePlatform(wantRaw);
  const auto variants = compatibleVariants(want);
  std::optional<size_t> best;
  size_t bestRank = variants.size();
  for (size_t i = 0; i < manifests.size(); ++i) {
    if (!manifests[i].hasPlatform) continue;
    const Platform p = normalizePlatform(manifests[i].platform);
    if (p.os != want.os || p.architecture != want.architecture) continue;
    const auto it = std::find(variants.begin(), variants.end(), p.variant);
    if (it == variants.end()) continue;
    const auto rank = static_cast<size_t>(it - variants.begin());
    if (rank < bestRank) {
      best = i;
      bestRank = rank;
    }
  }
  if (!best && manifests.size() == 1 && !manifests[0].hasPlatform) return 0;
  return best;
}

std::string platformString(const Platform& p) {
  std::string s = p.os + "/" + p.architecture;
  if (!p.variant.empty()) s += "/" + p.variant;
  return s;
}

}  // namespace podkeeper::image
