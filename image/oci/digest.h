#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/error.h"

// Content digests as OCI names them. Only sha256 is accepted (what every registry and tool
// writes); the algorithm and the hex are checked exactly, so a digest can name a file.
typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace podkeeper::image {

inline constexpr std::string_view kSha256Prefix = "sha256:";

// "sha256:<64 lowercase hex>", else EINVAL naming the value.
Result<void> validateDigest(std::string_view digest);
// The hex part of a valid digest.
std::string_view digestHex(std::string_view digest);

// Incremental sha256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const char> data);
  // "sha256:<hex>" of everything so far; the hasher is then spent.
  std::string finish();

 private:
  EVP_MD_CTX* ctx_;
};

// "sha256:<hex>" of data.
std::string sha256Digest(std::string_view data);

}  // namespace podkeeper::image
