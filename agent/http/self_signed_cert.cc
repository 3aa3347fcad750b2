#include "agent/http/self_signed_cert.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <memory>

#include "agent/http/tls_context.h"
#include "common/unique_fd.h"

namespace podkeeper::http {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

constexpr long kValidSeconds = 365L * 24 * 3600;

Result<void> writeFileAtomically(const std::string& path, const std::string& data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd.valid()) return failSys(errno, "creating " + tmp);
  if (::write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size()) ||
      ::fsync(fd.get()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return failSys(e, "writing " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return failSys(errno, "renaming " + tmp);
  return {};
}

std::string pem(int (*write)(BIO*, void*), void* object) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get(), object) != 1) return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

int writeKey(BIO* bio, void* key) {
  return PEM_write_bio_PrivateKey(bio, static_cast<EVP_PKEY*>(key), nullptr, nullptr, 0, nullptr,
                                  nullptr);
}
int writeCert(BIO* bio, void* cert) { return PEM_write_bio_X509(bio, static_cast<X509*>(cert)); }

bool addExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

std::string subjectAltNames(const std::string& hostName, const std::vector<std::string>& addrs) {
  std::string san = "DNS:localhost";
  if (!hostName.empty() && hostName != "localhost") san += ",DNS:" + hostName;
  std::vector<std::string> ips{"127.0.0.1", "::1"};
  for (const auto& a : addrs)
    if (std::find(ips.begin(), ips.end(), a) == ips.end()) ips.push_back(a);
  for (const auto& ip : ips) san += ",IP:" + ip;
  return san;
}

Result<CertPtr> makeCert(EVP_PKEY* key, const std::string& hostName,
                         const std::vector<std::string>& addresses) {
  CertPtr cert(X509_new());
  unsigned char serial[16];
  if (!cert || RAND_bytes(serial, sizeof serial) != 1)
    return failMsg("self-signed certificate: " + opensslErrors("out of memory"));
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_set_version(cert.get(), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // clocks a little behind
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValidSeconds);
  X509_set_pubkey(cert.get(), key);
  // The kubelet's subject: host@unix-time, so a regenerated certificate has a new name.
  const std::string cn = hostName + "@" + std::to_string(std::time(nullptr));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  const bool extensions =
      addExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") &&
      addExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") &&
      addExtension(cert.get(), NID_ext_key_usage, "serverAuth") &&
      addExtension(cert.get(), NID_subject_alt_name, subjectAltNames(hostName, addresses));
  if (!extensions || X509_sign(cert.get(), key, EVP_sha256()) == 0)
    return failMsg("self-signed certificate: " + opensslErrors("signing failed"));
  return cert;
}

// Whether an earlier start left a certificate and key that load and are not about to expire.
bool reusable(const std::string& certFile, const std::string& keyFile) {
  BioPtr certBio(BIO_new_file(certFile.c_str(), "r"));
  BioPtr keyBio(BIO_new_file(keyFile.c_str(), "r"));
  if (!certBio || !keyBio) {
    ERR_clear_error();
    return false;
  }
  CertPtr cert(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr));
  KeyPtr key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!cert || !key || X509_check_private_key(cert.get(), key.get()) != 1) return false;
  time_t soon = std::time(nullptr) + 24 * 3600;
  return X509_cmp_time(X509_get0_notAfter(cert.get()), &soon) > 0;
}

}  // namespace

Result<ServingCertFiles> ensureSelfSignedCert(const std::string& dir, const std::string& hostName,
                                              const std::vector<std::string>& addresses) {
  ServingCertFiles files{dir + "/podkeeper.crt", dir + "/podkeeper.key", false};
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return failSys(errno, "mkdir " + dir);
  if (reusable(files.certFile, files.keyFile)) return files;
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return failMsg("generating a P-256 key: " + opensslErrors("failed"));
  auto cert = makeCert(key.get(), hostName, addresses);
  if (!cert) return fail(cert.error());
  if (auto r = writeFileAtomically(files.keyFile, pem(writeKey, key.get()), 0600); !r)
    return fail(r.error());
  if (auto r = writeFileAtomically(files.certFile, pem(writeCert, cert->get()), 0644); !r)
    return fail(r.error());
  files.generated = true;
  return files;
}

}  // namespace podkeeper::http
