// libFuzzer target for what a registry or an image archive hands the image layer: manifests
// and indexes, image configs, auth.json, WWW-Authenticate challenges and token answers, image
// references, and tar entry names. The first byte picks the parser, the rest is its input. Any
// bytes in; an error or a value that keeps the invariants below. Run it with run-fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/image_reference.h"
#include "image/oci/digest.h"
#include "image/oci/image_config.h"
#include "image/oci/manifest.h"
#include "image/oci/platform.h"
#include "image/registry/auth_challenge.h"
#include "image/registry/auth_file.h"
#include "image/unpack/entry_path.h"

namespace pi = podkeeper::image;
namespace pr = podkeeper::image::registry;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

const std::string kDigest = pi::sha256Digest("fuzz");

void manifests(std::string_view in) {
  (void)pi::manifestKind(in, kDigest);
  if (auto m = pi::parseManifest(in, kDigest)) {
    check(pi::validateDigest(m->config.digest).has_value());
    for (const auto& l : m->layers) check(pi::validateDigest(l.digest) && l.size >= 0);
  }
  if (auto i = pi::parseIndex(in, kDigest)) {
    for (const auto& d : i->manifests) check(pi::validateDigest(d.digest).has_value());
    if (auto chosen = pi::selectManifest(i->manifests, pi::hostPlatform()))
      check(*chosen < i->manifests.size());
  }
}

void config(std::string_view in) {
  if (auto c = pi::parseImageConfig(in, kDigest)) {
    for (const auto& d : c->diffIds) check(pi::validateDigest(d).has_value());
    check(pi::chainIds(c->diffIds).size() == c->diffIds.size());
  }
  (void)pi::parseStopSignal(in);
}

void auth(std::string_view in) {
  if (auto a = pr::AuthFile::parse(in, "auth.json"))
    (void)a->lookup("registry.example:5000", "a/b");
  if (auto d = pr::decodeBase64(in)) check(pr::decodeBase64(pr::encodeBase64(*d)) == *d);
}

void challenge(std::string_view in) {
  if (auto c = pr::parseAuthChallenge(in)) check(!c->scheme.empty());
  (void)pr::parseTokenResponse(in);
}

void reference(std::string_view in) {
  if (auto r = podkeeper::parseImageReference(std::string(in))) {
    // A normalized reference parses again to itself.
    auto again = podkeeper::parseImageReference(r->normalized());
    check(again && again->normalized() == r->normalized());
  }
}

void entryName(std::string_view in) {
  if (auto parts = pi::splitEntryPath(in)) {
    for (const auto& p : *parts) {
      // Nothing that could leave the layer root survives.
      check(!p.empty() && p != "." && p != ".." && p.find('/') == std::string::npos &&
            p.find('\0') == std::string::npos);
    }
  }
  const auto w = pi::classifyWhiteout(in);
  if (w.kind != pi::WhiteoutKind::kNone) check(in.starts_with(".wh."));
  (void)pi::isAufsMeta(in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      manifests(in);
      break;
    case 1:
      config(in);
      break;
    case 2:
      auth(in);
      break;
    case 3:
      challenge(in);
      break;
    case 4:
      reference(in);
      break;
    default:
      entryName(in);
      break;
  }
  return 0;
}
