#pragma once

#include <cstddef>
#include <string>

#include "common/error.h"

// Images are unpacked directories: <image-dir>/<name>/<tag>/rootfs. No registry, no layers.
namespace podkeeper::runtime {

// Maps an image reference to its rootfs directory, without touching the filesystem.
// "busybox" -> <imageDir>/busybox/latest/rootfs; a registry host (with port) stays in the
// name: "localhost:5000/x:1" -> <imageDir>/localhost:5000/x/1/rootfs. Digests, empty
// components, "." / ".." and absolute references are refused.
Result<std::string> resolveImageRootfs(const std::string& imageDir, const std::string& imageRef);

// Bounds on what is read of an image (its content comes from whoever built it).
inline constexpr size_t kMaxImageConfigBytes = 4 << 20;
inline constexpr size_t kMaxImageFileBytes = 1 << 20;  // /etc/passwd, /etc/group

// The image config's User (OCI image config JSON next to the rootfs: <rootfs>/../config.json,
// {"config": {"User": "app:app"}}); "" when the image has no config or names no user.
Result<std::string> readImageUser(const std::string& rootfs);

// A file of the image read with symlinks resolved inside the rootfs (an image's /etc/passwd
// may be a link; it must not reach the host's). "" when it does not exist. Anything but a
// regular file of at most kMaxImageFileBytes is refused, naming it (a FIFO does not block).
Result<std::string> readImageFile(const std::string& rootfs, const std::string& path);

// resolveImageRootfs plus a check that the rootfs directory exists.
Result<std::string> findImageRootfs(const std::string& imageDir, const std::string& imageRef);

}  // namespace podkeeper::runtime
