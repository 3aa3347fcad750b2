#include "manifests/decode_context.h"

#include <cstdio>

namespace podkeeper::manifests::detail {

void DecodeContext::add(Diagnostic::Severity s, const YAML::Mark& at, const std::string& field,
                        const std::string& message) {
  Diagnostic d;
  d.severity = s;
  d.file = file_;
  d.line = at.line >= 0 ? lineOffset_ + at.line + 1 : 0;
  d.column = at.column >= 0 ? at.column + 1 : 0;
  d.field = field;
  d.message = message;
  out_.push_back(std::move(d));
}

void DecodeContext::error(const YAML::Mark& at, const std::string& field,
                          const std::string& message) {
  decodeErrorFields_.push_back(field);
  add(Diagnostic::Severity::Error, at, field, message);
}

void DecodeContext::warning(const YAML::Mark& at, const std::string& field,
                            const std::string& message) {
  add(Diagnostic::Severity::Warning, at, field, message);
}

YAML::Mark DecodeContext::locate(const std::string& path) const {
  std::string p = path;
  while (!p.empty()) {
    if (auto it = marks_.find(p); it != marks_.end()) return it->second;
    size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos) break;
    p.resize(cut);
  }
  return YAML::Mark::null_mark();
}

void DecodeContext::error(const std::string& field, const std::string& message) {
  for (const auto& failed : decodeErrorFields_) {
    if (failed.rfind(field, 0) == 0 &&
        (failed.size() == field.size() || failed[field.size()] == '.' ||
         failed[field.size()] == '[')) {
      return;
    }
  }
  add(Diagnostic::Severity::Error, locate(field), field, message);
}

void DecodeContext::warning(const std::string& field, const std::string& message) {
  warning(locate(field), field, message);
}

bool DecodeContext::charge(const YAML::Node& node) {
  if (exhausted_) return false;
  ++nodes_;
  if (node.IsScalar()) scalarBytes_ += node.Scalar().size();
  if (nodes_ > kMaxNodesVisited || scalarBytes_ > kMaxScalarBytes) {
    exhausted_ = true;
    error(node, "",
          "document expands to more than " + std::to_string(kMaxNodesVisited) + " nodes or " +
              std::to_string(kMaxScalarBytes >> 20) +
              " MiB of text (aliases expanding exponentially?); refusing to decode it");
    return false;
  }
  return true;
}

std::string indexPath(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string fieldPath(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string quoteValue(const std::string& value) {
  constexpr size_t kMaxShown = 80;
  std::string out = "\"";
  for (size_t i = 0; i < value.size() && i < kMaxShown; ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (value.size() > kMaxShown) out += "...";
  return out + "\"";
}

}  // namespace podkeeper::manifests::detail
