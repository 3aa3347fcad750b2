#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Splitting a manifest into YAML documents without YAML::LoadAll: in yaml-cpp 0.7 LoadAll
// loops forever, allocating, on a stray top-level "," (jbeder/yaml-cpp#1040, fixed upstream
// after 0.7 by stopping at the first empty document, which would drop pods after an empty
// "---" section). Like kubectl's YAML reader, documents are split on "---" lines and each is
// parsed on its own with a bounded number of parser calls.
namespace podkeeper::manifests::detail {

struct YamlDocumentText {
  std::string text;
  int firstLine = 0;  // 0-based line of the file where text starts
};

// A "---" line (alone, or followed by a space and content) starts a new document unless the
// current one holds only comments, blank lines and directives and no "---" of its own; a
// "..." line ends one.
std::vector<YamlDocumentText> splitDocuments(std::string_view contents);

// Parses one document. Throws YAML::ParserException on a syntax error, including content
// after the document that yaml-cpp would otherwise silently drop.
YAML::Node loadSingleDocument(const std::string& text);

}  // namespace podkeeper::manifests::detail
