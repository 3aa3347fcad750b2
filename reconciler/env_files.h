#pragma once

#include <functional>
#include <string>

#include "common/error.h"
#include "manifests/pod.h"

// env[].valueFrom.fileKeyRef (Kubernetes EnvFiles): the value is read from an env file in one
// of the pod's emptyDir volumes when the container starts, so an init container can write it.
namespace podkeeper::reconciler {

// The contents of path inside the named volume of the pod; ENOENT in the code when absent.
using VolumeFileReader =
    std::function<Result<std::string>(const std::string& volume, const std::string& path)>;

// The container with every fileKeyRef replaced by the value read (taken literally: no $(VAR)
// expansion), or dropped when the file or the key is missing and the selector is optional.
// A missing file or key that is not optional, or a file that is not a valid env file, fails
// naming the variable, the volume, the path and the key: the container does not start.
Result<manifests::Container> resolveFileKeyRefs(const manifests::Container& c,
                                                const VolumeFileReader& read);

}  // namespace podkeeper::reconciler
