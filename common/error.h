#pragma once

#include <cstring>
#include <expected>
#include <string>
#include <utility>

namespace podkeeper {

// The one error type of every runtime path: what failed, with context (file, value, pod),
// and the errno when a system call failed.
struct Error {
  int code = 0;  // errno, or 0 when not a system error
  std::string message;

  static Error sys(int err, std::string what) {
    return Error{err, std::move(what) + ": " + std::strerror(err)};
  }
  static Error msg(std::string what) { return Error{0, std::move(what)}; }

  // Prefix context, e.g. err.context("pod default/web") -> "pod default/web: <message>".
  Error context(const std::string& prefix) const { return Error{code, prefix + ": " + message}; }
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }
inline std::unexpected<Error> failSys(int err, std::string what) {
  return std::unexpected<Error>(Error::sys(err, std::move(what)));
}
inline std::unexpected<Error> failMsg(std::string what) {
  return std::unexpected<Error>(Error::msg(std::move(what)));
}

}  // namespace podkeeper
