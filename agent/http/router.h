#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/http/http_message.h"

namespace podkeeper::http {

// Maps method + path to a handler. A pattern matches its path exactly, or, when it ends in
// "/*", every path under that prefix (longest prefix wins). Unknown paths get 404, known
// paths with another method 405 with an Allow header. HEAD is answered by the GET route
// without the body. Responses are gzip-encoded when the request's Accept-Encoding allows.
class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);
  HttpResponse handle(const HttpRequest& request) const;
  // Called after every request with the matched pattern ("" when none) and the status; for
  // request metrics with bounded label values.
  void onResponse(std::function<void(const std::string& pattern, int status)> observer);
  // A Handler that routes through this router (which must outlive it).
  Handler handler() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
  };
  HttpResponse route(const HttpRequest& request, std::string& matched) const;
  static bool matches(const std::string& pattern, const std::string& path);

  std::vector<Route> routes_;
  std::function<void(const std::string&, int)> observer_;
};

// The /healthz answer: 200 "ok".
HttpResponse healthz(const HttpRequest&);

// gzip for a client whose Accept-Encoding allows it (with "Vary: Accept-Encoding" either way),
// unless the response is empty, streamed or already encoded. The router does it for every
// answer; a deferred answer made off the loop may do it there first (the router then leaves
// it as it is).
void encodeIfAccepted(std::string_view acceptEncoding, HttpResponse& response);

}  // namespace podkeeper::http
