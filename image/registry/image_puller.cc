#include "image/registry/image_puller.h"

#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "image/oci/image_config.h"
#include "image/oci/manifest.h"
#include "image/oci/platform.h"

namespace podkeeper::image::registry {
namespace {

// A content-store writer as the registry client's target, and optionally a tee of the same
// bytes into a socket that a layer unpack reads as they arrive. A refused resume opens a new
// writer (destroying the old drops what it wrote) and ends the tee: the bytes would start over.
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
  void teeTo(UniqueFd fd) { tee_ = std::move(fd); }
  // flush: the stream is whole so far (not after a refused resume).
  void endTee(bool flush) {
    if (flush && tee_.valid()) sendAll(pending_);
    pending_.clear();
    tee_.reset();
  }
  uint64_t written() const override { return static_cast<uint64_t>(writer_->written()); }
  Result<void> write(std::span<const char> bytes) override {
    auto r = writer_->write(bytes);
    if (r && tee_.valid()) {
      pending_.insert(pending_.end(), bytes.begin(), bytes.end());
      if (pending_.size() >= kTeeChunk) {
        sendAll(pending_);
        pending_.clear();
      }
    }
    if (r && options_.progress) {
      std::lock_guard lock(progressMu_);
      options_.progress({desc_.digest, writer_->written(), desc_.size});
    }
    return r;
  }
  Result<void> restart() override {
    endTee(false);
    writer_.reset();
    return open();
  }
  Result<void> commit() { return writer_->commit(); }

 private:
  // The reader drains to the end whatever happens, so this only waits for it to keep up; a
  // send that fails ends the tee (the unpack then fails and the blob is unpacked instead).
  void sendAll(std::span<const char> bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(tee_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return endTee(false);
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
  }

  ContentStore& store_;
  Descriptor desc_;
  const PullOptions& options_;
  std::mutex& progressMu_;
  static constexpr size_t kTeeChunk = 256 << 10;
  std::unique_ptr<BlobWriter> writer_;
  UniqueFd tee_;
  std::vector<char> pending_;
};

// Layers unpack in parallel, so above the base the lowers may not be there yet: a layer that
// needs them (a parent directory it does not list) is left for addImage, which goes base first.
LowerLayers lowersOf(const LayerPlan& layer) { return LowerLayers{layer.base, {}}; }

// An unpack of a layer from the bytes a download tees to it, on its own thread. finish() ends
// the stream and waits: success means the snapshot is in place, checked on those bytes.
class StreamUnpack {
 public:
  static Result<std::unique_ptr<StreamUnpack>> start(ImageStore& store, const LayerPlan& layer,
                                                     UniqueFd& writeEnd) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return failSys(errno, "socketpair for layer " + layer.blob.digest);
    UniqueFd readEnd(sv[0]);
    writeEnd = UniqueFd(sv[1]);
    const int buf = 4 << 20;
    ::setsockopt(writeEnd.get(), SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    auto u = std::unique_ptr<StreamUnpack>(new StreamUnpack());
    u->thread_ = std::jthread([&store, layer, fd = std::move(readEnd), self = u.get()] {
      self->result_ = store.unpackLayerStream(layer.chainId, fd.get(), layer.blob, layer.diffId,
                                              lowersOf(layer));
      char sink[1 << 16];  // the writer never blocks on a reader that gave up
      while (::read(fd.get(), sink, sizeof sink) > 0) {
      }
    });
    return u;
  }
  Result<void> finish() {
    if (thread_.joinable()) thread_.join();
    return result_;
  }

 private:
  StreamUnpack() = default;
  Result<void> result_;
  std::jthread thread_;
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
      return e.message.find("SSL") != std::string::npos ||
                     e.message.find("TLS") != std::string::npos
                 ? "tls"
                 : "other";
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
  // Nothing this pull writes is swept as an orphan before addImage records it.
  auto lease = store_.lease();
  if (!lease) return fail(lease.error());
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
  PullResult out;
  out.sizeBytes = manifest->config.size;
  for (const auto& l : manifest->layers) out.sizeBytes += l.size;
  // The config first: its diff IDs name the layers' snapshots, so each layer is unpacked as
  // it downloads, all of them in parallel.
  std::mutex progressMu;
  if (!store_.content().has(manifest->config.digest)) {
    if (auto r = fetchBlob(ref, manifest->config, options, progressMu, nullptr); !r)
      return fail(r.error().context(name));
    out.downloadedBytes += manifest->config.size;
  }
  auto configBytes = store_.content().readBlob(manifest->config.digest, kMaxConfigBytes);
  if (!configBytes) return fail(configBytes.error().context(name));
  auto config = parseImageConfig(*configBytes, manifest->config.digest);
  if (!config) return fail(config.error().context(name));
  if (config->diffIds.size() != manifest->layers.size())
    return fail(Error{EINVAL, name + ": image config " + manifest->config.digest +
                                  ": rootfs.diff_ids: " + std::to_string(config->diffIds.size()) +
                                  " entries for " + std::to_string(manifest->layers.size()) +
                                  " layers"});
  const auto chains = chainIds(config->diffIds);
  std::vector<LayerPlan> layers;
  for (size_t i = 0; i < manifest->layers.size(); ++i)
    layers.push_back({manifest->layers[i], chains[i], config->diffIds[i], i == 0});
  auto fetched = fetchLayers(ref, layers, options, progressMu);
  if (!fetched) return fail(fetched.error().context(name));
  out.downloadedBytes += *fetched;
  auto added = store_.addImage(ref, *top);
  if (!added) return fail(added.error().context(name));
  out.image = std::move(*added);
  return out;
}

// Every layer whose blob or snapshot the store lacks, `parallelLayers` at a time: a missing
// blob is downloaded and unpacked from the same bytes as they arrive; a blob already there is
// unpacked from the store. The first failure stops the rest.
Result<int64_t> ImagePuller::fetchLayers(const ImageReference& ref,
                                         const std::vector<LayerPlan>& layers,
                                         const PullOptions& options, std::mutex& progressMu) {
  std::vector<const LayerPlan*> todo;
  std::atomic<int64_t> bytes{0};
  for (const auto& l : layers)
    if (!store_.content().has(l.blob.digest) || !store_.snapshots().has(l.chainId))
      todo.push_back(&l);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::optional<Error> firstError;
  auto worker = [&] {
    while (!failed) {
      const size_t i = next++;
      if (i >= todo.size()) return;
      const LayerPlan& l = *todo[i];
      Result<void> r;
      if (!store_.content().has(l.blob.digest)) {
        r = fetchBlob(ref, l.blob, options, progressMu, &l);
        if (r) bytes += l.blob.size;
      }
      if (r) r = store_.unpackLayer(l.chainId, l.blob, l.diffId, lowersOf(l));  // no-op once there
      if (!r && r.error().code == EAGAIN) r = {};  // needs its lowers: addImage, base first
      if (!r) {
        std::lock_guard lock(mu);
        if (!firstError) firstError = r.error();
        failed = true;
      }
    }
  };
  const size_t n = std::min<size_t>(std::max(options.parallelLayers, 1), todo.size());
  {
    std::vector<std::jthread> threads;
    for (size_t t = 1; t < n; ++t) threads.emplace_back(worker);
    worker();
  }
  if (firstError) return fail(*firstError);
  return bytes.load();
}

// One blob into the content store; a layer whose snapshot is missing is unpacked from the
// same bytes on the way (a stream unpack that fails is left for unpackLayer, from the blob).
Result<void> ImagePuller::fetchBlob(const ImageReference& ref, const Descriptor& d,
                                    const PullOptions& options, std::mutex& progressMu,
                                    const LayerPlan* layer) {
  const std::string& dir = store_.content().root();
  auto free = options.freeBytes ? options.freeBytes(dir) : freeBytesAt(dir);
  if (!free) return fail(free.error());
  if (d.size > 0 && static_cast<uint64_t>(d.size) > *free)
    return fail(Error{ENOSPC, "blob " + d.digest + " needs " + std::to_string(d.size) +
                                  " bytes, the image store " + dir + " has " +
                                  std::to_string(*free) + " free"});
  WriterTarget target(store_.content(), d, options, progressMu);
  if (auto r = target.open(); !r) return r;
  std::unique_ptr<StreamUnpack> unpack;
  if (layer != nullptr && !store_.snapshots().has(layer->chainId)) {
    UniqueFd writeEnd;
    if (auto u = StreamUnpack::start(store_, *layer, writeEnd); u) {
      unpack = std::move(*u);
      target.teeTo(std::move(writeEnd));
    }
  }
  auto r = registry_.fetchBlob(ref, d.digest, static_cast<uint64_t>(d.size), target);
  target.endTee(bool(r));
  if (unpack) (void)unpack->finish();  // its snapshot is in place only if the bytes were right
  if (!r) return r;
  return target.commit();
}

}  // namespace podkeeper::image::registry
