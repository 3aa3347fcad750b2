#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace podkeeper {

// The one way this code writes JSON text. nlohmann's plain dump() throws on a string that
// is not UTF-8; a byte that slipped past validation must not take the agent down, so here
// such bytes become U+FFFD instead. Manifests with invalid UTF-8 are refused at decoding
// (manifests/utf8.h); this is the net under that, for every state file and API answer.
inline std::string dumpJson(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace podkeeper
