#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "image/store/image_store.h"

// `podkeeper image import`: images from what `podman save`, `docker save` and `skopeo copy`
// write, into the store through ContentStore (every blob verified) and addImage:
//  - oci-archive: a tar of an OCI layout (oci-layout, index.json, blobs/sha256/<hex>);
//  - docker-archive: a tar with manifest.json ([{Config, RepoTags, Layers}]), the layers plain
//    tars; a manifest is written for them as for any OCI image;
//  - an OCI layout directory (`skopeo copy ... oci:DIR`, umoci).
// The tarball may be compressed (gzip, zstd). References come from the archive
// (io.containerd.image.name, org.opencontainers.image.ref.name when it is a whole
// reference, RepoTags); `name` (a reference) names an archive's only image instead.
namespace podkeeper::image {

Result<std::vector<StoredImage>> importImages(ImageStore& store, const std::string& path,
                                              const std::string& name = "");

}  // namespace podkeeper::image
