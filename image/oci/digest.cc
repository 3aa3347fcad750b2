#include "image/oci/digest.h"

#include <openssl/evp.h>

#include <cerrno>
#include <new>

namespace podkeeper::image {

Result<void> validateDigest(std::string_view digest) {
  if (!digest.starts_with(kSha256Prefix))
    return fail(Error{EINVAL, "invalid digest \"" + std::string(digest) +
                                  "\": only sha256:<64 lowercase hex> is supported"});
  const std::string_view hex = digest.substr(kSha256Prefix.size());
  bool ok = hex.size() == 64;
  for (const char c : hex) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok)
    return fail(Error{
        EINVAL, "invalid digest \"" + std::string(digest) + "\": want sha256:<64 lowercase hex>"});
  return {};
}

std::string_view digestHex(std::string_view digest) {
  return digest.substr(std::min(digest.size(), kSha256Prefix.size()));
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1)
    throw std::bad_alloc();
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::update(std::span<const char> data) {
  EVP_DigestUpdate(ctx_, data.data(), data.size());
}

std::string Sha256::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kSha256Prefix);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

std::string sha256Digest(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

}  // namespace podkeeper::image
