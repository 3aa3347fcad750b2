#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

// What a tar entry's name means inside a layer. Pure.
namespace podkeeper::image {

// The entry's path as components below the layer root: "./a//b/" -> {"a", "b"}; "." -> {}.
// ".." anywhere and absolute names are refused (EPERM), as is a name with a NUL.
Result<std::vector<std::string>> splitEntryPath(std::string_view name);

enum class WhiteoutKind { kNone, kFile, kOpaque };

struct Whiteout {
  WhiteoutKind kind = WhiteoutKind::kNone;
  std::string target;  // the name whited out (kFile)
};

// ".wh..wh..opq" -> opaque dir; ".wh.NAME" -> whiteout of NAME; other ".wh..wh." names
// (AUFS metadata) are kOpaque-less kNone with target empty and are skipped by the caller.
Whiteout classifyWhiteout(std::string_view base);
// AUFS bookkeeping entries (".wh..wh.plnk", ".wh..wh.aufs") that are skipped.
bool isAufsMeta(std::string_view base);

}  // namespace podkeeper::image
