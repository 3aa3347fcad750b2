#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/image/image_user.h"

// The seam between a container start and where its image comes from: the reconciler resolves
// the image once per start and the runtime uses what the ContainerSpec carries, never reading
// the image itself. An image store that pulls would be another ImageService.
namespace podkeeper::runtime {

// What a start needs of an image.
struct ResolvedImage {
  // The read-only lower directories of the container's overlay, top layer first. A directory
  // image is one: its rootfs; a layered image has one snapshot per layer.
  std::vector<std::string> layers;
  std::string user;  // config User ("name", "uid", "name:group", "uid:gid"); "" = root
  // The image's /etc/passwd and /etc/group (empty when it has none), for resolving the user
  // the container runs as (resolveUser), as runc resolves it from the image and not the host.
  std::vector<PasswdEntry> passwd;
  std::vector<GroupEntry> groups;
  // The image config's process defaults (OCI image config "config"), applied as Kubernetes
  // applies them (reconciler/runtime_specs.h).
  std::vector<std::string> entrypoint{};
  std::vector<std::string> cmd{};
  std::vector<std::string> env{};  // "NAME=value"
  std::string workingDir{};
  int stopSignal = 0;  // 0: none given (SIGTERM)
  // The image's id as containerd's CRI reports it in containerStatuses[].imageID: the
  // repository and the digest the reference resolved to ("docker.io/library/nginx@sha256:...").
  // "" for directory images, which have no digest.
  std::string imageId{};
  bool operator==(const ResolvedImage&) const = default;
};

class ImageService {
 public:
  virtual ~ImageService() = default;

  // The image a container names, ready to start. Errors name the image. An image that is not
  // on the node (or a reference that cannot name one) fails with code ENOENT (the kubelet's
  // ErrImageNeverPull); an image that is there but cannot be read fails with another code.
  virtual Result<ResolvedImage> resolve(const std::string& imageRef) = 0;
};

}  // namespace podkeeper::runtime
