#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace podkeeper::http {

// gzip (RFC 1952) at the fastest level: scrapes are large and repetitive, so level 1
// already shrinks them ~10x and costs the loop the least.
std::string gzipCompress(std::string_view data);
Result<std::string> gzipDecompress(std::string_view data);

// True when an Accept-Encoding header allows gzip ("gzip" or "*" with a non-zero q).
bool acceptsGzip(std::string_view acceptEncoding);

}  // namespace podkeeper::http
