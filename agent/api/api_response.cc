#include "agent/api/api_response.h"

#include "common/json_text.h"
#include "manifests/pod_json.h"

namespace podkeeper::api {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 &&
               hexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

http::HttpResponse jsonResponse(const nlohmann::json& body, int status) {
  return http::HttpResponse::text(status, dumpJson(body) + "\n", "application/json");
}

http::HttpResponse statusError(int code, const std::string& reason, const std::string& message) {
  return jsonResponse({{"apiVersion", "v1"},
                       {"kind", "Status"},
                       {"metadata", nlohmann::json::object()},
                       {"status", "Failure"},
                       {"message", message},
                       {"reason", reason},
                       {"code", code}},
                      code);
}

std::map<std::string, std::string> parseQuery(std::string_view query) {
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = percentDecode(pair.substr(0, eq));
    params[key] = eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1));
  }
  return params;
}

}  // namespace podkeeper::api
