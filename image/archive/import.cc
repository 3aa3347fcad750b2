#include "image/archive/import.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/unique_fd.h"
#include "image/oci/digest.h"
#include "image/oci/manifest.h"
#include "image/oci/media_types.h"
#include "runtime/sys/atomic_file.h"

namespace podkeeper::image {
namespace {

// libarchive's message, which can be null.
std::string errorText(archive* a) {
  const char* msg = archive_error_string(a);
  return msg != nullptr ? std::string(msg) : std::string("unreadable archive");
}

using Json = nlohmann::json;
constexpr size_t kMaxJsonBytes = 4 << 20;
constexpr size_t kChunk = 1 << 20;

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

// Reads an entry's data in chunks.
using ChunkFn = std::function<Result<void>(std::span<const char>)>;
// Called per regular file: (name, size, read) -> whether to read it (read may be called once).
using EntryFn =
    std::function<Result<void>(const std::string& name, int64_t size,
                               const std::function<Result<void>(const ChunkFn&)>& read)>;

std::string cleanName(std::string name) {
  while (name.starts_with("./")) name.erase(0, 2);
  return name;
}

// One pass over a tarball (compressed or not).
Result<void> forEachEntry(const std::string& path, const EntryFn& fn) {
  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), kChunk) != ARCHIVE_OK)
    return fail(Error{EIO, path + ": " + errorText(a.get())});
  archive_entry* e = nullptr;
  while (true) {
    const int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) return {};
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      return fail(Error{EIO, path + ": " + errorText(a.get())});
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    const std::string name = cleanName(archive_entry_pathname(e));
    auto read = [&](const ChunkFn& chunk) -> Result<void> {
      std::vector<char> buf(kChunk);
      while (true) {
        const la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
        if (n < 0) return fail(Error{EIO, path + ": " + name + ": " + errorText(a.get())});
        if (n == 0) return {};
        if (auto r = chunk({buf.data(), static_cast<size_t>(n)}); !r) return r;
      }
    };
    if (auto r = fn(name, archive_entry_size(e), read); !r) return r;
  }
}

Result<std::string> readSmall(const std::function<Result<void>(const ChunkFn&)>& read,
                              const std::string& what) {
  std::string out;
  auto r = read([&](std::span<const char> c) -> Result<void> {
    if (out.size() + c.size() > kMaxJsonBytes) return fail(Error{EFBIG, what + ": too large"});
    out.append(c.data(), c.size());
    return {};
  });
  if (!r) return fail(r.error());
  return out;
}

Result<void> writeStream(ContentStore& store, const Descriptor& d,
                         const std::function<Result<void>(const ChunkFn&)>& read) {
  if (store.has(d.digest)) return {};
  auto w = store.openWriter(d);
  if (!w) return fail(w.error());
  if (auto r = read([&](std::span<const char> c) { return (*w)->write(c); }); !r) return r;
  return (*w)->commit();
}

Result<Json> parseJson(const std::string& text, const std::string& what) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail(Error{EINVAL, what + ": not valid JSON"});
  return j;
}

// The references of an OCI index.json entry: a whole reference in its annotations.
std::string referenceOf(const Descriptor& d) {
  for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
    const auto it = d.annotations.find(key);
    if (it != d.annotations.end() && it->second.find_first_of(":/@") != std::string::npos &&
        parseImageReference(it->second))
      return it->second;
  }
  return {};
}

Result<std::vector<StoredImage>> addFromOciIndex(ImageStore& store, const std::string& indexJson,
                                                 const std::string& path, const std::string& name) {
  auto index = parseIndex(indexJson, path + "/index.json");
  if (!index) return fail(index.error());
  if (index->manifests.empty()) return fail(Error{EINVAL, path + ": index.json lists no image"});
  if (!name.empty() && index->manifests.size() > 1)
    return fail(Error{EINVAL, path + ": holds " + std::to_string(index->manifests.size()) +
                                  " images; a name can only be given to one"});
  std::vector<StoredImage> out;
  for (size_t i = 0; i < index->manifests.size(); ++i) {
    const Descriptor& d = index->manifests[i];
    const std::string refText = name.empty() ? referenceOf(d) : name;
    if (refText.empty())
      return fail(Error{EINVAL, path + ": index.json manifests[" + std::to_string(i) +
                                    "] has no image name (annotation "
                                    "org.opencontainers.image.ref.name); give one with --name"});
    auto ref = parseImageReference(refText);
    if (!ref) return fail(ref.error());
    auto img = store.addImage(*ref, d.digest);
    if (!img) return fail(img.error());
    out.push_back(std::move(*img));
  }
  return out;
}

Result<std::vector<StoredImage>> importOciDirectory(ImageStore& store, const std::string& dir,
                                                    const std::string& name) {
  auto indexJson = runtime::readWholeFile(dir + "/index.json");
  if (!indexJson) return fail(indexJson.error());
  const std::string blobs = dir + "/blobs/sha256";
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(blobs.c_str()), ::closedir);
  if (!d) return failSys(errno, "open " + blobs);
  while (const dirent* e = ::readdir(d.get())) {
    const std::string digest = std::string(kSha256Prefix) + e->d_name;
    if (!validateDigest(digest)) continue;
    const std::string file = blobs + "/" + e->d_name;
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return failSys(errno, "open " + file);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    auto read = [&](const ChunkFn& chunk) -> Result<void> {
      std::vector<char> buf(kChunk);
      while (true) {
        const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failSys(errno, "read " + file);
        if (n == 0) return {};
        if (auto r = chunk({buf.data(), static_cast<size_t>(n)}); !r) return r;
      }
    };
    if (auto r = writeStream(store.content(), {"", digest, st.st_size}, read); !r)
      return fail(r.error().context(file));
  }
  return addFromOciIndex(store, *indexJson, dir, name);
}

struct DockerImage {
  std::string config;
  std::vector<std::string> repoTags;
  std::vector<std::string> layers;
};

Result<std::vector<DockerImage>> parseDockerManifest(const std::string& text,
                                                     const std::string& path) {
  auto j = parseJson(text, path + ": manifest.json");
  if (!j) return fail(j.error());
  if (!j->is_array()) return fail(Error{EINVAL, path + ": manifest.json: not a list"});
  std::vector<DockerImage> out;
  for (size_t i = 0; i < j->size(); ++i) {
    const auto& e = (*j)[i];
    const std::string field = path + ": manifest.json[" + std::to_string(i) + "]";
    if (!e.is_object() || !e.contains("Config") || !e["Config"].is_string() ||
        !e.contains("Layers") || !e["Layers"].is_array())
      return fail(Error{EINVAL, field + ": needs Config and Layers"});
    DockerImage d;
    d.config = cleanName(e["Config"].get<std::string>());
    for (const auto& l : e["Layers"]) {
      if (!l.is_string()) return fail(Error{EINVAL, field + ".Layers: not a list of names"});
      d.layers.push_back(cleanName(l.get<std::string>()));
    }
    if (e.contains("RepoTags") && e["RepoTags"].is_array())
      for (const auto& t : e["RepoTags"])
        if (t.is_string()) d.repoTags.push_back(t.get<std::string>());
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<StoredImage>> importDockerArchive(ImageStore& store, const std::string& path,
                                                     const std::string& manifestJson,
                                                     const std::string& name) {
  auto images = parseDockerManifest(manifestJson, path);
  if (!images) return fail(images.error());
  if (!name.empty() && images->size() != 1)
    return fail(Error{EINVAL, path + ": holds " + std::to_string(images->size()) +
                                  " images; a name can only be given to one"});
  std::map<std::string, Descriptor> files;  // archive name -> its blob
  for (const auto& i : *images) {
    files[i.config] = {};
    for (const auto& l : i.layers) files[l] = {};
  }
  // Pass 1 learns each file's digest and whether it is gzip; pass 2 stores it, verified.
  auto hashPass =
      forEachEntry(path, [&](const std::string& n, int64_t size, const auto& read) -> Result<void> {
        const auto it = files.find(n);
        if (it == files.end()) return {};
        Sha256 h;
        bool first = true;
        bool gzip = false;
        if (auto r = read([&](std::span<const char> c) -> Result<void> {
              if (first && c.size() >= 2) gzip = c[0] == '\x1f' && c[1] == '\x8b';
              first = false;
              h.update(c);
              return {};
            });
            !r)
          return r;
        it->second = {gzip ? std::string(media::kOciLayerGzip) : std::string(media::kOciLayer),
                      h.finish(), size};
        return {};
      });
  if (!hashPass) return fail(hashPass.error());
  for (const auto& [n, d] : files)
    if (d.digest.empty())
      return fail(Error{ENOENT, path + ": " + n + " is named in manifest.json but missing"});
  auto storePass =
      forEachEntry(path, [&](const std::string& n, int64_t, const auto& read) -> Result<void> {
        const auto it = files.find(n);
        if (it == files.end()) return {};
        return writeStream(store.content(), it->second, read);
      });
  if (!storePass) return fail(storePass.error());
  std::vector<StoredImage> out;
  for (const auto& i : *images) {
    Json layers = Json::array();
    for (const auto& l : i.layers) {
      const auto& d = files.at(l);
      layers.push_back({{"mediaType", d.mediaType}, {"digest", d.digest}, {"size", d.size}});
    }
    const auto& c = files.at(i.config);
    const Json manifest = {
        {"schemaVersion", 2},
        {"mediaType", media::kOciManifest},
        {"config", {{"mediaType", media::kOciConfig}, {"digest", c.digest}, {"size", c.size}}},
        {"layers", layers}};
    const std::string bytes = manifest.dump();
    const Descriptor md{std::string(media::kOciManifest), sha256Digest(bytes),
                        static_cast<int64_t>(bytes.size())};
    if (auto r = store.content().writeBlob(md, bytes); !r) return fail(r.error());
    std::vector<std::string> refs = name.empty() ? i.repoTags : std::vector<std::string>{name};
    if (refs.empty())
      return fail(Error{EINVAL, path + ": an image has no RepoTags; give it a name with --name"});
    for (const auto& r : refs) {
      auto ref = parseImageReference(r);
      if (!ref) return fail(ref.error());
      auto img = store.addImage(*ref, md.digest);
      if (!img) return fail(img.error());
      out.push_back(std::move(*img));
    }
  }
  return out;
}

Result<std::vector<StoredImage>> importOciArchive(ImageStore& store, const std::string& path,
                                                  const std::string& indexJson,
                                                  const std::string& name) {
  auto pass =
      forEachEntry(path, [&](const std::string& n, int64_t size, const auto& read) -> Result<void> {
        if (!n.starts_with("blobs/sha256/")) return {};
        const std::string digest = std::string(kSha256Prefix) + n.substr(13);
        if (!validateDigest(digest)) return {};
        auto r = writeStream(store.content(), {"", digest, size}, read);
        return r ? r : fail(r.error().context(path + ": " + n));
      });
  if (!pass) return fail(pass.error());
  return addFromOciIndex(store, indexJson, path, name);
}

}  // namespace

Result<std::vector<StoredImage>> importImages(ImageStore& store, const std::string& path,
                                              const std::string& name) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return failSys(errno, "import " + path);
  // Blobs written before addImage records them are not swept meanwhile.
  auto lease = store.lease();
  if (!lease) return fail(lease.error());
  if (S_ISDIR(st.st_mode)) return importOciDirectory(store, path, name);
  std::string indexJson, dockerManifest;
  auto scan =
      forEachEntry(path, [&](const std::string& n, int64_t, const auto& read) -> Result<void> {
        if (n != "index.json" && n != "manifest.json") return {};
        auto text = readSmall(read, path + ": " + n);
        if (!text) return fail(text.error());
        (n == "index.json" ? indexJson : dockerManifest) = std::move(*text);
        return {};
      });
  if (!scan) return fail(scan.error());
  // `docker save` of Docker 25+ writes both; manifest.json carries the RepoTags.
  if (!dockerManifest.empty()) return importDockerArchive(store, path, dockerManifest, name);
  if (!indexJson.empty()) return importOciArchive(store, path, indexJson, name);
  return fail(Error{EINVAL, path + ": neither an oci-archive (index.json) nor a docker-archive "
                                   "(manifest.json)"});
}

}  // namespace podkeeper::image
