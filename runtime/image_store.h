#pragma once

#include <string>

#include "common/error.h"

// Images are unpacked directories: <image-dir>/<name>/<tag>/rootfs. No registry, no layers.
namespace podkeeper::runtime {

// Maps an image reference to its rootfs directory, without touching the filesystem.
// "busybox" -> <imageDir>/busybox/latest/rootfs; a registry host (with port) stays in the
// name: "localhost:5000/x:1" -> <imageDir>/localhost:5000/x/1/rootfs. Digests, empty
// components, "." / ".." and absolute references are refused.
Result<std::string> resolveImageRootfs(const std::string& imageDir, const std::string& imageRef);

// resolveImageRootfs plus a check that the rootfs directory exists.
Result<std::string> findImageRootfs(const std::string& imageDir, const std::string& imageRef);

}  // namespace podkeeper::runtime
