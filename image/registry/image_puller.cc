#include "image/registry/image_puller.h"

#include <sys/statvfs.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <thread>
#include <vector>

#include "image/oci/manifest.h"
#include "image/oci/platform.h"

namespace podkeeper::image::registry {
namespace {

// A content-store writer as the registry client's target: a refused resume opens a new one
// (destroying the old drops what it wrote).
class WriterTarget final : public BlobTarget {
 public:
  WriterTarget(ContentStore& store, Descriptor desc, const PullOptions& options,
               std::mutex& progressMu)
      : store_(store), desc_(std::move(desc)), options_(options), progressMu_(progressMu) {}
  Result<void> open() {
    auto w = store_.openWriter(desc_);
    if (!w) return fail(w.error());
    writer_ = std::move(*w);
    return {};
  }
  uint64_t written() const override { return static_cast<uint64_t>(writer_->written()); }
  Result<void> write(std::span<const char> bytes) override {
    auto r = writer_->write(bytes);
    if (r && options_.progress) {
      std::lock_guard lock(progressMu_);
      options_.progress({desc_.digest, writer_->written(), desc_.size});
    }
    return r;
  }
  Result<void> restart() override {
    writer_.reset();
    return open();
  }
  Result<void> commit() { return writer_->commit(); }

 private:
  ContentStore& store_;
  Descriptor desc_;
  const PullOptions& options_;
  std::mutex& progressMu_;
  std::unique_ptr<BlobWriter> writer_;
};

}  // namespace

Result<uint64_t> freeBytesAt(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return failSys(errno, "statvfs " + dir);
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

std::string pullErrorReason(const Error& e) {
  switch (e.code) {
    case ENOENT:
      return "not_found";
    case EACCES:
      return "unauthorized";
    case EBADMSG:
      return "digest_mismatch";
    case EFBIG:
      return "too_large";
    case ENOSPC:
      return "no_space";
    case ETIMEDOUT:
      return "timeout";
    case EPROTO:
      return e.message.find("SSL") != std::string::npos ? "tls" : "other";
    case EIO:
      return e.message.find("digest mismatch") != std::string::npos ? "digest_mismatch" : "network";
    default:
      return "other";
  }
}

Result<std::string> ImagePuller::storeManifest(const ImageReference& ref,
                                               const std::string& reference,
                                               const std::string& expectDigest, std::string& body,
                                               std::string& mediaType) {
  auto m = registry_.fetchManifest(ref, reference);
  if (!m) return fail(m.error());
  if (!expectDigest.empty() && m->digest != expectDigest)
    return fail(
        Error{EBADMSG, ref.name() + "@" + expectDigest + ": manifest has digest " + m->digest});
  if (!store_.content().has(m->digest))
    if (auto w = store_.content().writeBlob(
            Descriptor{m->mediaType, m->digest, static_cast<int64_t>(m->body.size())}, m->body);
        !w)
      return fail(w.error());
  body = std::move(m->body);
  mediaType = m->mediaType;
  return m->digest;
}

Result<PullResult> ImagePuller::pull(const ImageReference& ref, const PullOptions& options) {
  const std::string name = ref.normalized();
  std::string body, mediaType;
  auto top =
      storeManifest(ref, ref.digest.empty() ? ref.tag : ref.digest, ref.digest, body, mediaType);
  if (!top) return fail(top.error());
  std::string manifestDigest = *top;
  auto kind = manifestKind(body, manifestDigest);
  if (!kind) return fail(kind.error().context(name));
  if (*kind == ManifestKind::kIndex) {
    auto index = parseIndex(body, manifestDigest);
    if (!index) return fail(index.error().context(name));
    auto chosen = selectManifest(index->manifests, platform_);
    if (!chosen)
      return fail(Error{ENOENT, name + ": no manifest for platform " + platformString(platform_)});
    const Descriptor& d = index->manifests[*chosen];
    auto inner = storeManifest(ref, d.digest, d.digest, body, mediaType);
    if (!inner) return fail(inner.error());
    manifestDigest = *inner;
  }
  auto manifest = parseManifest(body, manifestDigest);
  if (!manifest) return fail(manifest.error().context(name));
  std::vector<Descriptor> blobs{manifest->config};
  blobs.insert(blobs.end(), manifest->layers.begin(), manifest->layers.end());
  PullResult out;
  for (const auto& b : blobs) out.sizeBytes += b.size;
  auto fetched = fetchBlobs(ref, blobs, options);
  if (!fetched) return fail(fetched.error().context(name));
  out.downloadedBytes = *fetched;
  auto added = store_.addImage(ref, *top);
  if (!added) return fail(added.error().context(name));
  out.image = std::move(*added);
  return out;
}

// Every blob the store lacks, `parallelLayers` at a time; the first failure stops the rest.
Result<int64_t> ImagePuller::fetchBlobs(const ImageReference& ref,
                                        const std::vector<Descriptor>& blobs,
                                        const PullOptions& options) {
  std::vector<const Descriptor*> missing;
  int64_t bytes = 0;
  for (const auto& b : blobs)
    if (!store_.content().has(b.digest)) {
      missing.push_back(&b);
      bytes += b.size;
    }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu, progressMu;  // progress callbacks are serialized across the threads
  std::optional<Error> firstError;
  auto worker = [&] {
    while (!failed) {
      const size_t i = next++;
      if (i >= missing.size()) return;
      if (auto r = fetchBlob(ref, *missing[i], options, progressMu); !r) {
        std::lock_guard lock(mu);
        if (!firstError) firstError = r.error();
        failed = true;
      }
    }
  };
  const size_t n = std::min<size_t>(std::max(options.parallelLayers, 1), missing.size());
  {
    std::vector<std::jthread> threads;
    for (size_t t = 1; t < n; ++t) threads.emplace_back(worker);
    worker();
  }
  if (firstError) return fail(*firstError);
  return bytes;
}

Result<void> ImagePuller::fetchBlob(const ImageReference& ref, const Descriptor& d,
                                    const PullOptions& options, std::mutex& progressMu) {
  const std::string& dir = store_.content().root();
  auto free = options.freeBytes ? options.freeBytes(dir) : freeBytesAt(dir);
  if (!free) return fail(free.error());
  if (d.size > 0 && static_cast<uint64_t>(d.size) > *free)
    return fail(Error{ENOSPC, "blob " + d.digest + " needs " + std::to_string(d.size) +
                                  " bytes, the image store " + dir + " has " +
                                  std::to_string(*free) + " free"});
  WriterTarget target(store_.content(), d, options, progressMu);
  if (auto r = target.open(); !r) return r;
  if (auto r = registry_.fetchBlob(ref, d.digest, static_cast<uint64_t>(d.size), target); !r)
    return r;
  return target.commit();
}

}  // namespace podkeeper::image::registry
