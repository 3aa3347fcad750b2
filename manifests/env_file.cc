#include "manifests/env_file.h"

#include <vector>

namespace podkeeper::manifests {
namespace {

std::string_view trimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

std::string_view trimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) { return trimRight(trimLeft(s)); }

std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::string atLine(size_t n) { return "invalid env file format at line " + std::to_string(n); }

}  // namespace

EnvFileLookup lookupEnvFile(std::string_view text, const std::string& key) {
  const auto lines = splitLines(text);
  std::string pending;  // a declaration continued with '\'
  bool continuing = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t number = i + 1;
    std::string_view line = trimLeft(lines[i]);
    if (trimRight(line).empty() || line.front() == '#') {
      if (continuing)
        return {std::nullopt, atLine(number) + (line.empty() || trimRight(line).empty()
                                                    ? ": blank line in continuation"
                                                    : ": comment in continuation")};
      continue;
    }
    std::string_view body = trimRight(line);
    const bool continues = body.ends_with('\\');
    if (continues) body = trimRight(body.substr(0, body.size() - 1));
    if (continuing) {
      pending += " ";
      pending += body;
    } else {
      pending = std::string(body);
    }
    continuing = continues;
    if (continuing) continue;
    const size_t eq = pending.find('=');
    if (eq == std::string::npos) return {std::nullopt, atLine(number) + ": missing '='"};
    const std::string_view name = trim(std::string_view(pending).substr(0, eq));
    if (name.empty()) return {std::nullopt, atLine(number) + ": empty variable name"};
    if (name == key) return {std::string(trim(std::string_view(pending).substr(eq + 1))), ""};
  }
  if (continuing) return {std::nullopt, "unexpected end of env file: unfinished line continuation"};
  return {};
}

}  // namespace podkeeper::manifests
