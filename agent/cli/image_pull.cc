#include "agent/cli/image_pull.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "agent/cli/registry_flags.h"
#include "common/clock.h"
#include "image/registry/image_puller.h"

namespace podkeeper::cli {

CLI::App* addImagePullCommand(CLI::App& image, ImagePullArgs& args) {
  auto* pull = image.add_subcommand("pull", "Pull an image from its registry into the store");
  pull->add_option("reference", args.reference,
                   "Image reference (nginx:1.27, host:5000/a/b@sha256:...)")
      ->required();
  pull->add_option("--image-dir", args.imageDir, "The image directory (store in DIR/.store)")
      ->capture_default_str();
  addRegistryFlags(*pull, args.registry);
  return pull;
}

int runImagePull(const ImagePullArgs& args, std::ostream& out, std::ostream& err, bool terminal) {
  auto ref = parseImageReference(args.reference);
  if (!ref) {
    err << "podkeeper image pull: " << ref.error().message << "\n";
    return 2;
  }
  const SystemClock clock;
  std::error_code ec;
  std::filesystem::create_directories(args.imageDir, ec);
  if (ec) {
    err << "podkeeper image pull: --image-dir " << args.imageDir << ": " << ec.message() << "\n";
    return 1;
  }
  auto store = image::ImageStore::open(args.imageDir + "/.store", clock);
  if (!store) {
    err << "podkeeper image pull: image store: " << store.error().message << "\n";
    return 1;
  }
  auto auth = image::registry::loadRegistryAuth(args.registry, std::getenv("XDG_RUNTIME_DIR"),
                                                std::getenv("HOME"));
  if (!auth) {
    err << "podkeeper image pull: " << auth.error().message << "\n";
    return 1;
  }
  image::registry::CurlHttpClient http;
  image::registry::RegistryClient client(http, image::registry::registryOptions(args.registry),
                                         std::move(*auth), clock);
  image::registry::ImagePuller puller(client, **store);
  image::registry::PullOptions options;
  options.progress = [&](const image::registry::PullProgress& p) {
    const std::string blob = p.digest.substr(7, 12);
    if (terminal) {
      out << fmt::format("\r\033[K{}: {}/{} bytes", blob, p.done, p.total) << std::flush;
    } else if (p.done == p.total) {
      out << fmt::format("{}: {} bytes\n", blob, p.total);
    }
  };
  const auto start = std::chrono::steady_clock::now();
  auto pulled = puller.pull(*ref, options);
  if (terminal) out << "\r\033[K";
  if (!pulled) {
    err << "podkeeper image pull: " << pulled.error().message << "\n";
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out << fmt::format("{} {} ({} bytes, {} downloaded, {:.3f}s)\n", ref->normalized(),
                     pulled->image.record.manifestDigest, pulled->sizeBytes,
                     pulled->downloadedBytes, seconds);
  return 0;
}

}  // namespace podkeeper::cli
