#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "image/registry/registry_config.h"

// `podkeeper image pull REF --image-dir DIR`: pulls into the image store under DIR directly
// (the store is safe to share with a running agent). Progress on a terminal is one line
// updated in place (blob, bytes/total); otherwise one line per blob fetched.
namespace podkeeper::cli {

struct ImagePullArgs {
  std::string reference;
  std::string imageDir = "/var/lib/podkeeper/images";
  image::registry::RegistryConfig registry;
};

// Adds `pull` to the `image` command; returns it (parsed() says whether it ran).
CLI::App* addImagePullCommand(CLI::App& image, ImagePullArgs& args);
int runImagePull(const ImagePullArgs& args, std::ostream& out, std::ostream& err, bool terminal);

}  // namespace podkeeper::cli
