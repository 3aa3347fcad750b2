#include "image/unpack/entry_path.h"

#include <cerrno>

namespace podkeeper::image {

Result<std::vector<std::string>> splitEntryPath(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) return fail(Error{EPERM, "name has a NUL byte"});
  // "/" (or "/./") names the layer's root, as `umoci insert` writes it; containerd accepts
  // it. Any other absolute name is refused.
  if (name.starts_with('/') && name.find_first_not_of("/.") == std::string_view::npos &&
      name.find("..") == std::string_view::npos)
    return std::vector<std::string>{};
  if (name.starts_with('/'))
    return fail(Error{EPERM, "absolute name \"" + std::string(name) + "\" refused"});
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= name.size()) {
    const size_t slash = name.find('/', i);
    const size_t end = slash == std::string_view::npos ? name.size() : slash;
    const std::string_view part = name.substr(i, end - i);
    if (part == "..")
      return fail(Error{EPERM, "name \"" + std::string(name) + "\" has a \"..\" component"});
    if (!part.empty() && part != ".") parts.emplace_back(part);
    if (slash == std::string_view::npos) break;
    i = slash + 1;
  }
  return parts;
}

Whiteout classifyWhiteout(std::string_view base) {
  constexpr std::string_view kPrefix = ".wh.";
  constexpr std::string_view kOpaque = ".wh..wh..opq";
  if (base == kOpaque) return {WhiteoutKind::kOpaque, ""};
  if (!base.starts_with(kPrefix) || isAufsMeta(base)) return {};
  return {WhiteoutKind::kFile, std::string(base.substr(kPrefix.size()))};
}

bool isAufsMeta(std::string_view base) {
  return base.starts_with(".wh..wh.") && base != ".wh..wh..opq";
}

}  // namespace podkeeper::image
