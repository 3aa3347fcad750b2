#include "agent/http/http_message.h"

#include <strings.h>

namespace podkeeper::http {
namespace {

std::string_view find(const std::vector<std::pair<std::string, std::string>>& headers,
                      std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const { return find(headers, name); }

std::string_view HttpResponse::header(std::string_view name) const { return find(headers, name); }

HttpResponse HttpResponse::text(int status, std::string body, std::string contentType) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.contentType = std::move(contentType);
  return r;
}

}  // namespace podkeeper::http
