#include "image/registry/http_client.h"

#include <curl/curl.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <memory>
#include <mutex>

namespace podkeeper::image::registry {
namespace {

// The system CA directory used beside a registry's own ca.crt (CURLOPT_CAINFO alone would
// replace the system CAs).
constexpr const char* kSystemCaPath = "/etc/ssl/certs";

struct Transfer {
  HttpResponse response;
  BodySink* sink = nullptr;
  size_t maxBody = 0;
  bool begun = false;
  std::optional<Error> sinkError;
  bool stoppedAtBound = false;
};

// Whether the TLS server of the transfer on this thread asked for a client certificate that
// this client did not have (OpenSSL calls the callback only then).
thread_local bool clientCertRequested = false;

int onClientCertRequest(SSL*, X509**, EVP_PKEY**) {
  clientCertRequested = true;
  return 0;  // none: the handshake goes on without one, as before
}

CURLcode onSslContext(CURL*, void* sslCtx, void*) {
  SSL_CTX_set_client_cert_cb(static_cast<SSL_CTX*>(sslCtx), onClientCertRequest);
  return CURLE_OK;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

size_t onHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {  // a new response (after a 100 Continue): start afresh
    t->response.headers.clear();
    return size * n;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos)
    t->response.headers.emplace_back(lower(std::string(line.substr(0, colon))),
                                     trim(line.substr(colon + 1)));
  return size * n;
}

size_t onBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (t->sink && t->response.status / 100 == 2) {
    if (!t->begun) {
      t->begun = true;
      if (auto r = t->sink->begin(t->response); !r) {
        t->sinkError = r.error();
        return CURL_WRITEFUNC_ERROR;
      }
    }
    if (auto r = t->sink->write(std::span<const char>(data, len)); !r) {
      t->sinkError = r.error();
      return CURL_WRITEFUNC_ERROR;
    }
    return len;
  }
  const size_t room =
      t->maxBody > t->response.body.size() ? t->maxBody - t->response.body.size() : 0;
  t->response.body.append(data, std::min(room, len));
  if (len > room) {
    t->response.bodyTruncated = true;
    if (!t->sink) {
      t->stoppedAtBound = true;
      return CURL_WRITEFUNC_ERROR;
    }
    return len;  // an error body beyond the bound is read and dropped
  }
  return len;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

std::optional<std::string> HttpResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return std::nullopt;
}

bool transientHttpFailure(const Error& e) { return e.code == EIO || e.code == ETIMEDOUT; }

CurlHttpClient::CurlHttpClient() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<HttpResponse> CurlHttpClient::send(const HttpRequest& req, BodySink* sink,
                                          size_t maxBodyBytes) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return failMsg("HTTP " + req.url + ": curl_easy_init failed");
  CURL* c = curl.get();
  Transfer t;
  t.sink = sink;
  t.maxBody = maxBodyBytes;

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const auto& [k, v] : req.headers) {
    std::string line = k + ": " + v;
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  }
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "podkeeper");
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "identity");
  // Large reads: a layer arrives in ~30x fewer syscalls and writes than with the 16 KiB default.
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L << 10);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, req.limits.connectTimeoutMs);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, req.limits.lowSpeedBytesPerSec);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, req.limits.lowSpeedSeconds);
  if (req.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (!req.tls.caFile.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, req.tls.caFile.c_str());
    curl_easy_setopt(c, CURLOPT_CAPATH, kSystemCaPath);
  }
  if (!req.tls.certFile.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, req.tls.certFile.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, req.tls.keyFile.c_str());
  } else {
    curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, onSslContext);
  }
  clientCertRequested = false;
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);

  // The write callback needs the status to choose between the sink and the error body: libcurl
  // has parsed the status line before the first body byte, so it is asked from inside.
  struct StatusPeek {
    static size_t write(char* d, size_t s, size_t n, void* u) {
      auto* pair = static_cast<std::pair<CURL*, Transfer*>*>(u);
      if (pair->second->response.status == 0)
        curl_easy_getinfo(pair->first, CURLINFO_RESPONSE_CODE, &pair->second->response.status);
      return onBody(d, s, n, pair->second);
    }
  };
  std::pair<CURL*, Transfer*> peek{c, &t};
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, StatusPeek::write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &peek);

  const CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.response.status);
  if (t.sinkError) return fail(*t.sinkError);
  if (rc == CURLE_OK && sink && !t.begun && t.response.status / 100 == 2)
    if (auto r = sink->begin(t.response); !r) return fail(r.error());  // an empty body
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && t.stoppedAtBound)) {
    const std::string what = req.method + " " + req.url + ": " +
                             (errbuf[0] ? std::string(errbuf) : curl_easy_strerror(rc));
    const bool timeout = rc == CURLE_OPERATION_TIMEDOUT;
    const bool tls = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
                     rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CACERT_BADFILE;
    if (clientCertRequested)  // TLS 1.3 says so only after the handshake, as a reset
      return fail(Error{EPROTO, what + " (the registry asks for a TLS client certificate and " +
                                    "none is configured: put client.cert and client.key in " +
                                    "the registry's certs.d directory)"});
    return fail(Error{timeout ? ETIMEDOUT : tls ? EPROTO : EIO, what});
  }
  return std::move(t.response);
}

}  // namespace podkeeper::image::registry
