#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace podkeeper::metrics::testing {

// Checks text exposition format 0.0.4 rules that promtool's parser does not all enforce:
// HELP and TYPE once per family and before its samples, families contiguous, no duplicate
// series (a label with an empty value equals an absent one), valid label escapes, and a
// final newline. Returns one message per violation; empty when the text is clean.
std::vector<std::string> checkExposition(std::string_view text);

}  // namespace podkeeper::metrics::testing
