#include "reconciler/downward_api_volume.h"

#include <cstdio>

namespace podkeeper::reconciler {
namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not a valid one.
size_t utf8Length(const std::string& s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (c >= 0xF8) n = 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  return n;
}

std::string hexEscape(const char* prefix, unsigned value, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%0*x", prefix, width, value);
  return buf;
}

}  // namespace

std::string goQuote(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          out += c < 0x20 || c == 0x7F ? hexEscape("\\x", c, 2) : std::string(1, char(c));
      }
      ++i;
      continue;
    }
    const size_t n = utf8Length(s, i);
    if (n == 0) {  // not UTF-8: the byte, escaped
      out += hexEscape("\\x", c, 2);
      ++i;
      continue;
    }
    // C1 controls and the no-break space are not printable for Go; other runes are kept.
    const bool nonPrintable = n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) <= 0xA0;
    out +=
        nonPrintable ? hexEscape("\\u", static_cast<unsigned char>(s[i + 1]), 4) : s.substr(i, n);
    i += n;
  }
  return out + "\"";
}

std::string formatMap(const std::map<std::string, std::string>& m) {
  std::string out;
  for (const auto& [key, value] : m) out += (out.empty() ? "" : "\n") + key + "=" + goQuote(value);
  return out;
}

Result<std::vector<runtime::DownwardAPIFile>> renderDownwardAPIVolume(
    const manifests::Pod& pod, const std::string& uid,
    const manifests::DownwardAPIVolumeSource& source, const manifests::NodeFacts& node) {
  std::vector<runtime::DownwardAPIFile> files;
  for (const auto& item : source.items) {
    runtime::DownwardAPIFile f;
    f.path = item.path;
    f.mode = item.mode.value_or(source.defaultMode);
    if (item.fieldRef) {
      const std::string& path = item.fieldRef->fieldPath;
      if (path == "metadata.labels")
        f.content = formatMap(pod.metadata.labels);
      else if (path == "metadata.annotations")
        f.content = formatMap(pod.metadata.annotations);
      else
        f.content = manifests::fieldValue(pod, uid, path, node);
    } else if (item.resourceFieldRef) {
      const auto& ref = *item.resourceFieldRef;
      const manifests::Container* c = manifests::findContainer(pod.spec, ref.containerName);
      if (c == nullptr) {
        return failMsg("downwardAPI item \"" + item.path + "\": resourceFieldRef.containerName \"" +
                       ref.containerName + "\" is not a container of the pod");
      }
      f.content = manifests::resourceValue(pod, *c, ref, node);
    }
    files.push_back(std::move(f));
  }
  return files;
}

}  // namespace podkeeper::reconciler
