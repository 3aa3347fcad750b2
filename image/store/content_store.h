#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "image/oci/descriptor.h"

// Content-addressed blobs, as containerd's content store: <root>/blobs/sha256/<hex>, written
// through a BlobWriter into <root>/ingest/ and renamed into place only once their size and
// sha256 match what the descriptor promised. A blob in blobs/ is therefore whole and right;
// readBlob still re-verifies what it hands to a parser. Thread-safe: writers of the same
// digest race harmlessly (each writes its own temp file; the rename is atomic).
namespace podkeeper::image {

// One blob being written. Destroying it before commit() removes what was written.
class BlobWriter {
 public:
  virtual ~BlobWriter();
  // Appends and hashes. Writing past the descriptor's size fails at once (a server that
  // sends more than it announced does not fill the disk).
  virtual Result<void> write(std::span<const char> data) = 0;
  // Checks size and sha256 against the descriptor (an error names both digests), fsyncs and
  // renames the blob into place. A blob already present is kept and this one dropped.
  virtual Result<void> commit() = 0;
  virtual int64_t written() const = 0;
};

class ContentStore {
 public:
  // Creates <root>/blobs/sha256 and <root>/ingest, removing what a crash left in ingest/.
  static Result<ContentStore> open(const std::string& root);

  bool has(const std::string& digest) const;
  // Refuses an invalid digest or a negative size.
  Result<std::unique_ptr<BlobWriter>> openWriter(const Descriptor& desc);
  // The whole blob, at most maxBytes (else EFBIG), verified against its digest again.
  Result<std::string> readBlob(const std::string& digest, size_t maxBytes) const;
  // Writes a small blob in one go (manifests, configs) and returns its descriptor digest.
  Result<void> writeBlob(const Descriptor& desc, std::string_view content);
  std::string blobPath(const std::string& digest) const;
  // Size on disk (bytes of the file), ENOENT when absent.
  Result<int64_t> blobSize(const std::string& digest) const;
  Result<void> removeBlob(const std::string& digest);
  // Removes from ingest/ what no live writer owns (its pid is gone; with ownToo, this process's
  // too: only when none of its writers can be open). Returns how many.
  Result<size_t> removeStaleIngest(bool ownToo) const;
  // Every blob digest present.
  Result<std::vector<std::string>> list() const;
  const std::string& root() const { return root_; }

 private:
  explicit ContentStore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

}  // namespace podkeeper::image
