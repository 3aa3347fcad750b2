#pragma once

#include <string>
#include <vector>

#include "common/error.h"

namespace podkeeper::http {

struct ServingCertFiles {
  std::string certFile;
  std::string keyFile;
  bool generated = false;  // made now (not found from an earlier start)
};

// What the kubelet does without --tls-cert-file: a self-signed serving certificate for the
// node's names and addresses (plus localhost, 127.0.0.1 and ::1), made at the first start in
// dir (<dir>/podkeeper.crt, <dir>/podkeeper.key with mode 0600) and reused afterwards while it
// loads and has not expired. ECDSA P-256, valid one year, also usable as its own CA (--ca).
Result<ServingCertFiles> ensureSelfSignedCert(const std::string& dir, const std::string& hostName,
                                              const std::vector<std::string>& addresses);

}  // namespace podkeeper::http
