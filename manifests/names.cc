#include "manifests/names.h"

#include <arpa/inet.h>

#include <cctype>
#include <string>

namespace podkeeper::manifests {
namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string tooLong(std::string_view v, size_t max) {
  return v.size() > max ? "must be no more than " + std::to_string(max) + " characters" : "";
}

}  // namespace

std::string checkDns1123Label(std::string_view v) {
  if (v.empty()) return "must not be empty";
  if (auto e = tooLong(v, 63); !e.empty()) return e;
  for (char c : v) {
    if (!isLowerAlnum(c) && c != '-') {
      return "must consist of lower case alphanumeric characters or '-' (a DNS-1123 label)";
    }
  }
  if (v.front() == '-' || v.back() == '-') {
    return "must start and end with an alphanumeric character (a DNS-1123 label)";
  }
  return "";
}

std::string checkDns1123Subdomain(std::string_view v) {
  if (v.empty()) return "must not be empty";
  if (auto e = tooLong(v, 253); !e.empty()) return e;
  size_t start = 0;
  while (start <= v.size()) {
    size_t dot = v.find('.', start);
    std::string_view part = v.substr(start, dot == std::string_view::npos ? v.npos : dot - start);
    if (!checkDns1123Label(part).empty()) {
      return "must consist of lower case alphanumeric characters, '-' or '.', and start and end "
             "with an alphanumeric character (a DNS-1123 subdomain)";
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return "";
}

std::string checkQualifiedName(std::string_view v) {
  std::string_view name = v;
  size_t slash = v.find('/');
  if (slash != std::string_view::npos) {
    std::string_view prefix = v.substr(0, slash);
    name = v.substr(slash + 1);
    if (prefix.empty() || !checkDns1123Subdomain(prefix).empty()) {
      return "prefix must be a DNS-1123 subdomain";
    }
  }
  if (name.empty()) return "name part must not be empty";
  if (name.size() > 63) return "name part must be no more than 63 characters";
  for (char c : name) {
    if (!isAlnum(c) && c != '-' && c != '_' && c != '.') {
      return "name part must consist of alphanumeric characters, '-', '_' or '.'";
    }
  }
  if (!isAlnum(name.front()) || !isAlnum(name.back())) {
    return "name part must start and end with an alphanumeric character";
  }
  return "";
}

std::string checkLabelValue(std::string_view v) {
  if (v.empty()) return "";
  if (auto e = tooLong(v, 63); !e.empty()) return e;
  for (char c : v) {
    if (!isAlnum(c) && c != '-' && c != '_' && c != '.') {
      return "must consist of alphanumeric characters, '-', '_' or '.'";
    }
  }
  if (!isAlnum(v.front()) || !isAlnum(v.back())) {
    return "must start and end with an alphanumeric character";
  }
  return "";
}

std::string checkPortName(std::string_view v) {
  if (v.empty()) return "must not be empty";
  if (auto e = tooLong(v, 15); !e.empty()) return e;
  bool letter = false;
  for (char c : v) {
    if (!isLowerAlnum(c) && c != '-') return "must contain only lower case letters, digits and '-'";
    letter = letter || (c >= 'a' && c <= 'z');
  }
  if (!letter) return "must contain at least one letter";
  if (v.find("--") != std::string_view::npos) return "must not contain '--'";
  if (v.front() == '-' || v.back() == '-') return "must not begin or end with '-'";
  return "";
}

std::string checkEnvVarName(std::string_view v) {
  if (v.empty()) return "must not be empty";
  for (char c : v) {
    if (c < 0x20 || c > 0x7e || c == '=') {
      return "must consist of printable ASCII characters other than '='";
    }
  }
  return "";
}

std::string checkIp(std::string_view v) {
  std::string s(v);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    return "";
  }
  return "must be a valid IP address";
}

std::string checkSysctlName(std::string_view v) {
  if (v.empty() || v.size() > 253) return "must be 1 to 253 characters";
  for (char c : v) {
    if (!isLowerAlnum(c) && c != '_' && c != '.' && c != '/' && c != '-') {
      return "must consist of lower case alphanumeric characters, '_', '.', '/' or '-'";
    }
  }
  if (!isLowerAlnum(v.front()) || !isLowerAlnum(v.back())) {
    return "must start and end with an alphanumeric character";
  }
  return "";
}

std::string checkRelativePath(std::string_view v) {
  if (v.empty()) return "";
  if (v.front() == '/') return "must be a relative path";
  size_t start = 0;
  while (start <= v.size()) {
    size_t slash = v.find('/', start);
    std::string_view part =
        v.substr(start, slash == std::string_view::npos ? v.npos : slash - start);
    if (part == "..") return "must not contain '..'";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return "";
}

std::string checkUid(std::string_view v) {
  if (v.empty()) return "";
  if (v.size() > 128) return "must be no more than 128 characters";
  for (char c : v) {
    if (!isAlnum(c) && c != '-' && c != '_' && c != '.') {
      return "must consist of alphanumeric characters, '-', '_' or '.' (it names directories)";
    }
  }
  if (v.front() == '.') return "must not start with '.'";
  return "";
}

}  // namespace podkeeper::manifests
