#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

// Container image references in the Docker reference grammar (the distribution project's
// reference package), normalized as containerd normalizes them: "nginx" is
// "docker.io/library/nginx:latest". Pure: used by manifest validation, the image store and
// the CLI alike.
namespace podkeeper {

struct ImageReference {
  std::string domain;  // "docker.io", "registry.example:5000", "localhost", "[::1]:5000"
  std::string path;    // "library/nginx", "team/app"
  std::string tag;     // "" when the reference has a digest and no tag
  std::string digest;  // "sha256:<64 hex>", or ""

  // "docker.io/library/nginx" (domain and path).
  std::string name() const { return domain + "/" + path; }
  // The normalized reference: name, then "@digest" when there is one (a tag beside a digest
  // is dropped, as containerd does: the digest alone names the content), else ":tag".
  std::string normalized() const;
  // The short form people write: "nginx:1.27" for docker.io/library/nginx:1.27.
  std::string familiar() const;
  bool operator==(const ImageReference&) const = default;
};

// Parses and normalizes `ref`. No tag and no digest means the tag "latest". Errors say what
// is wrong ("invalid reference format: repository name must be lowercase"), quoting the
// reference.
Result<ImageReference> parseImageReference(std::string_view ref);

}  // namespace podkeeper
