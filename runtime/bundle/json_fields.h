#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/json_text.h"

namespace podkeeper::runtime {

// Reads fields of one JSON object and remembers the first failure, naming the file, the
// field and the offending value, so decoders stay one line per field.
class JsonFields {
 public:
  JsonFields(const nlohmann::json& object, std::string file) : j_(object), file_(std::move(file)) {
    if (!j_.is_object()) fail("", "expected an object");
  }

  template <class T>
  T get(const char* key, T fallback = T{}) {
    const auto it = j_.find(key);
    if (it == j_.end()) return fallback;
    try {
      return it->template get<T>();
    } catch (const nlohmann::json::exception&) {
      fail(key, "invalid value " + dumpJson(*it));
      return fallback;
    }
  }

  // Absent or null: nullopt.
  template <class T>
  std::optional<T> optional(const char* key) {
    const auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return std::nullopt;
    return get<T>(key);
  }

  template <class T>
  T required(const char* key) {
    if (!j_.contains(key)) {
      fail(key, "missing");
      return T{};
    }
    return get<T>(key);
  }

  const std::optional<Error>& error() const { return error_; }

 private:
  void fail(const char* key, const std::string& what) {
    if (error_) return;
    error_ = Error::msg(file_ + (*key ? std::string(": field \"") + key + "\"" : "") + ": " + what);
  }

  const nlohmann::json& j_;
  std::string file_;
  std::optional<Error> error_;
};

// Parses text into a JSON value, or an error naming the file.
inline Result<nlohmann::json> parseJson(std::string_view text, const std::string& file) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return failMsg(file + ": not valid JSON");
  return j;
}

}  // namespace podkeeper::runtime
