#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "agent/http/http_message.h"

namespace podkeeper::api {

http::HttpResponse jsonResponse(const nlohmann::json& body, int status = 200);

// A Kubernetes Status object: {"kind":"Status","status":"Failure","reason":..,"code":..}.
http::HttpResponse statusError(int code, const std::string& reason, const std::string& message);

// "a=1&b=x%20y" -> {a: "1", b: "x y"}; '+' is a space, as in HTML forms.
std::map<std::string, std::string> parseQuery(std::string_view query);

}  // namespace podkeeper::api
