#include "image/store/image_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "image/oci/digest.h"
#include "image/oci/manifest.h"
#include "image/store/file_lock.h"
#include "runtime/sys/atomic_file.h"

namespace podkeeper::image {
namespace {

constexpr size_t kMaxIndexBytes = 64 << 20;

}  // namespace

ImageStore::ImageStore(std::string root, ContentStore content, SnapshotStore snapshots,
                       const Clock& clock, Platform platform)
    : root_(std::move(root)),
      content_(std::move(content)),
      snapshots_(std::move(snapshots)),
      clock_(clock),
      platform_(std::move(platform)) {}

Result<std::unique_ptr<ImageStore>> ImageStore::open(const std::string& root, const Clock& clock,
                                                     Platform platform) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return fail(Error{ec.value(), "mkdir " + root + ": " + ec.message()});
  // Cleaning ingest/ and staging must not race a writer in another process.
  auto lock = FileLock::acquire(root + "/gc.lock", true);
  if (!lock) return fail(lock.error());
  auto content = ContentStore::open(root + "/content");
  if (!content) return fail(content.error());
  auto snapshots = SnapshotStore::open(root + "/snapshots");
  if (!snapshots) return fail(snapshots.error());
  return std::unique_ptr<ImageStore>(
      new ImageStore(root, std::move(*content), std::move(*snapshots), clock, std::move(platform)));
}

Result<StoredImage> ImageStore::resolveManifest(const std::string& digest) const {
  StoredImage img;
  auto top = content_.readBlob(digest, kMaxManifestBytes);
  if (!top) return fail(top.error());
  img.blobs.push_back(digest);
  auto kind = manifestKind(*top, digest);
  if (!kind) return fail(kind.error());
  std::string manifestDigest = digest;
  std::string manifestBytes = std::move(*top);
  if (*kind == ManifestKind::kIndex) {
    auto index = parseIndex(manifestBytes, digest);
    if (!index) return fail(index.error());
    const auto chosen = selectManifest(index->manifests, platform_);
    if (!chosen)
      return fail(Error{
          ENOENT, "image index " + digest + " has no manifest for " + platformString(platform_)});
    manifestDigest = index->manifests[*chosen].digest;
    auto bytes = content_.readBlob(manifestDigest, kMaxManifestBytes);
    if (!bytes) return fail(bytes.error());
    manifestBytes = std::move(*bytes);
    img.blobs.push_back(manifestDigest);
  }
  auto manifest = parseManifest(manifestBytes, manifestDigest);
  if (!manifest) return fail(manifest.error());
  img.manifestDigest = manifestDigest;
  img.configDigest = manifest->config.digest;
  auto configBytes = content_.readBlob(manifest->config.digest, kMaxConfigBytes);
  if (!configBytes) return fail(configBytes.error());
  img.blobs.push_back(manifest->config.digest);
  auto config = parseImageConfig(*configBytes, manifest->config.digest);
  if (!config) return fail(config.error());
  if (config->diffIds.size() != manifest->layers.size())
    return fail(Error{EINVAL, "image config " + manifest->config.digest +
                                  ": rootfs.diff_ids: " + std::to_string(config->diffIds.size()) +
                                  " entries for " + std::to_string(manifest->layers.size()) +
                                  " layers of manifest " + manifestDigest});
  img.config = std::move(*config);
  img.chainIds = chainIds(img.config.diffIds);
  int64_t size = static_cast<int64_t>(manifestBytes.size()) + manifest->config.size;
  for (const auto& l : manifest->layers) {
    img.blobs.push_back(l.digest);
    size += l.size;
  }
  img.layers = std::move(manifest->layers);
  img.record.size = size;
  img.record.manifestDigest = digest;
  return img;
}

Result<std::vector<ImageRecord>> ImageStore::readIndex() const {
  const std::string path = root_ + "/images.json";
  auto text = runtime::readWholeFile(path);
  if (!text) {
    if (text.error().code == ENOENT) return std::vector<ImageRecord>{};
    return fail(text.error());
  }
  if (text->size() > kMaxIndexBytes) return fail(Error{EFBIG, path + ": too large"});
  return decodeImageIndex(*text, path);
}

Result<void> ImageStore::writeIndex(const std::vector<ImageRecord>& images) const {
  return runtime::writeFileAtomic(root_ + "/images.json", encodeImageIndex(images), 0600);
}

Result<StoredImage> ImageStore::addImage(const ImageReference& ref,
                                         const std::string& manifestDigest) {
  const std::string name = ref.normalized();
  if (auto r = validateDigest(manifestDigest); !r) return fail(r.error().context("image " + name));
  if (!ref.digest.empty() && ref.digest != manifestDigest)
    return fail(Error{EINVAL, "image " + name + ": the reference names " + ref.digest +
                                  " but the manifest is " + manifestDigest});
  auto gc = FileLock::acquire(root_ + "/gc.lock", false);
  if (!gc) return fail(gc.error());
  auto img = resolveManifest(manifestDigest);
  if (!img) return fail(img.error().context("image " + name));
  for (size_t i = 0; i < img->layers.size(); ++i) {
    const Descriptor& layer = img->layers[i];
    if (snapshots_.has(img->chainIds[i])) continue;
    if (!content_.has(layer.digest))
      return fail(
          Error{ENOENT, "image " + name + ": layer " + layer.digest + " is not in the store"});
    LowerLayers lowers;  // base first here, so every lower is in place
    for (size_t j = i; j-- > 0;) lowers.dirs.push_back(snapshots_.path(img->chainIds[j]));
    if (auto r = snapshots_.unpack(img->chainIds[i], content_.blobPath(layer.digest), layer.digest,
                                   img->config.diffIds[i], lowers);
        !r)
      return fail(r.error().context("image " + name));
  }
  auto idxLock = FileLock::acquire(root_ + "/index.lock", true);
  if (!idxLock) return fail(idxLock.error());
  auto images = readIndex();
  if (!images) return fail(images.error());
  const int64_t now = clock_.nowNs() / kNsPerSec;
  img->record.reference = name;
  img->record.created = now;
  img->record.lastUsed = now;
  auto it = std::find_if(images->begin(), images->end(),
                         [&](const ImageRecord& r) { return r.reference == name; });
  if (it == images->end()) {
    images->push_back(img->record);
  } else {
    if (it->manifestDigest == manifestDigest) img->record.created = it->created;
    *it = img->record;
  }
  if (auto r = writeIndex(*images); !r) return fail(r.error().context("image " + name));
  return img;
}

Result<void> ImageStore::unpackLayer(const std::string& chainId, const Descriptor& layer,
                                     const std::string& diffId, const LowerLayers& lowers) {
  auto gc = FileLock::acquire(root_ + "/gc.lock", false);
  if (!gc) return fail(gc.error());
  return snapshots_.unpack(chainId, content_.blobPath(layer.digest), layer.digest, diffId, lowers);
}

Result<void> ImageStore::unpackLayerStream(const std::string& chainId, int layerFd,
                                           const Descriptor& layer, const std::string& diffId,
                                           const LowerLayers& lowers) {
  auto gc = FileLock::acquire(root_ + "/gc.lock", false);
  if (!gc) return fail(gc.error());
  return snapshots_.unpackStream(chainId, layerFd, layer.digest, diffId, lowers);
}

Result<FileLock> ImageStore::lease() const { return FileLock::acquire(root_ + "/gc.lock", false); }

Result<StoredImage> ImageStore::load(const ImageRecord& record) const {
  auto img = resolveManifest(record.manifestDigest);
  if (!img) return fail(img.error().context("image " + record.reference));
  img->record = record;
  for (const auto& c : img->chainIds)
    if (!snapshots_.has(c))
      return fail(Error{ENOENT, "image " + record.reference + ": snapshot " + c + " is missing"});
  return img;
}

Result<std::optional<StoredImage>> ImageStore::find(const std::string& normalizedRef) const {
  auto images = readIndex();
  if (!images) return fail(images.error());
  for (const auto& r : *images) {
    if (r.reference != normalizedRef) continue;
    auto img = load(r);
    if (!img) return fail(img.error());
    return std::optional<StoredImage>(std::move(*img));
  }
  return std::optional<StoredImage>();
}

Result<std::vector<ImageRecord>> ImageStore::list() const { return readIndex(); }

Result<void> ImageStore::markUsed(const std::map<std::string, int64_t>& lastUsed) {
  if (lastUsed.empty()) return {};
  auto idxLock = FileLock::acquire(root_ + "/index.lock", true);
  if (!idxLock) return fail(idxLock.error());
  auto images = readIndex();
  if (!images) return fail(images.error());
  bool changed = false;
  for (auto& r : *images)
    if (auto it = lastUsed.find(r.reference); it != lastUsed.end() && it->second > r.lastUsed) {
      r.lastUsed = it->second;
      changed = true;
    }
  return changed ? writeIndex(*images) : Result<void>{};
}

Result<RemoveResult> ImageStore::remove(const std::vector<std::string>& refs) {
  auto gc = FileLock::acquire(root_ + "/gc.lock", true);
  if (!gc) return fail(gc.error());
  RemoveResult out;
  std::vector<ImageRecord> removed;
  std::vector<ImageRecord> kept;
  {
    auto idxLock = FileLock::acquire(root_ + "/index.lock", true);
    if (!idxLock) return fail(idxLock.error());
    auto images = readIndex();
    if (!images) return fail(images.error());
    for (auto& r : *images) {
      if (std::find(refs.begin(), refs.end(), r.reference) != refs.end()) {
        out.removedImages.push_back(r.reference);
        removed.push_back(std::move(r));
      } else {
        kept.push_back(std::move(r));
      }
    }
    if (removed.empty()) return out;
    if (auto r = writeIndex(kept); !r) return fail(r.error());
  }
  // What the remaining images use stays; an image that cannot be read keeps all it may use
  // (nothing of a removed image that it might share is removed then).
  std::set<std::string> usedBlobs, usedSnapshots;
  for (const auto& r : kept) {
    auto img = resolveManifest(r.manifestDigest);
    if (!img) return out;
    usedBlobs.insert(img->blobs.begin(), img->blobs.end());
    usedSnapshots.insert(img->chainIds.begin(), img->chainIds.end());
  }
  for (const auto& r : removed) {
    auto img = resolveManifest(r.manifestDigest);
    if (!img) continue;
    for (const auto& c : img->chainIds)
      if (!usedSnapshots.contains(c) && snapshots_.has(c)) {
        if (auto rr = snapshots_.remove(c); !rr) return fail(rr.error());
        usedSnapshots.insert(c);
        ++out.removedSnapshots;
      }
    for (const auto& b : img->blobs)
      if (!usedBlobs.contains(b) && content_.has(b)) {
        if (auto rr = content_.removeBlob(b); !rr) return fail(rr.error());
        usedBlobs.insert(b);
        ++out.removedBlobs;
      }
  }
  return out;
}

Result<SweepResult> ImageStore::sweep() {
  auto gc = FileLock::acquire(root_ + "/gc.lock", true);
  if (!gc) return fail(gc.error());
  SweepResult out;
  auto ingest = content_.removeStaleIngest(false);
  if (!ingest) return fail(ingest.error());
  auto staging = snapshots_.removeStaleStaging(false);
  if (!staging) return fail(staging.error());
  out.partial = *ingest + *staging;
  auto images = list();
  if (!images) return fail(images.error());
  std::set<std::string> usedBlobs, usedSnapshots;
  for (const auto& r : *images) {
    auto img = resolveManifest(r.manifestDigest);
    if (!img) return out;
    usedBlobs.insert(img->blobs.begin(), img->blobs.end());
    usedSnapshots.insert(img->chainIds.begin(), img->chainIds.end());
  }
  auto snapshots = snapshots_.list();
  if (!snapshots) return fail(snapshots.error());
  for (const auto& c : *snapshots)
    if (!usedSnapshots.contains(c)) {
      if (auto r = snapshots_.remove(c); !r) return fail(r.error());
      ++out.snapshots;
    }
  auto blobs = content_.list();
  if (!blobs) return fail(blobs.error());
  for (const auto& b : *blobs)
    if (!usedBlobs.contains(b)) {
      if (auto r = content_.removeBlob(b); !r) return fail(r.error());
      ++out.blobs;
    }
  return out;
}

std::vector<std::string> ImageStore::lowerDirs(const StoredImage& image) const {
  std::vector<std::string> out;
  for (auto it = image.chainIds.rbegin(); it != image.chainIds.rend(); ++it)
    out.push_back(snapshots_.path(*it));
  return out;
}

}  // namespace podkeeper::image
