#include "manifests/yaml_documents.h"

#include <yaml-cpp/eventhandler.h>

#include <sstream>

namespace podkeeper::manifests::detail {
namespace {

bool isMarker(std::string_view line, std::string_view marker) {
  if (line.substr(0, 3) != marker) return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

// Comments, blank lines and directives do not make a document.
bool isContent(std::string_view line) {
  size_t first = line.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return false;
  return line[first] != '#' && line[0] != '%';
}

// Counts documents and remembers where the second one starts; builds nothing.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { first(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { first(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    first(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    first(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    first(mark);
  }
  void OnMapEnd() override {}

  YAML::Mark start = YAML::Mark::null_mark();
  std::optional<YAML::Mark> firstNode;

 private:
  void first(const YAML::Mark& mark) {
    if (!firstNode) firstNode = mark;
  }
};

}  // namespace

std::vector<YamlDocumentText> splitDocuments(std::string_view contents) {
  std::vector<YamlDocumentText> docs(1);
  bool hasContent = false;
  bool hasStart = false;  // the current document began with its own "---"
  int lineNo = 0;
  size_t pos = 0;
  while (pos < contents.size()) {
    size_t end = contents.find('\n', pos);
    size_t next = end == std::string_view::npos ? contents.size() : end + 1;
    std::string_view line = contents.substr(pos, next - pos);
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    const bool start = isMarker(line, "---");
    if (start && (hasContent || hasStart)) {
      docs.push_back({"", lineNo});
      hasContent = hasStart = false;
    }
    hasStart = hasStart || start;
    docs.back().text.append(contents.substr(pos, next - pos));
    if (isMarker(line, "...")) {
      docs.push_back({"", lineNo + 1});
      hasContent = hasStart = false;
    } else if (!start) {
      hasContent = hasContent || isContent(line);
    } else {
      hasContent = hasContent || isContent(line.substr(3));
    }
    pos = next;
    ++lineNo;
  }
  return docs;
}

YAML::Node loadSingleDocument(const std::string& text) {
  YAML::Node node = YAML::Load(text);
  // A second parser pass, two calls at most: anything after the first document is an error.
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  parser.HandleNextDocument(counter);
  DocumentCounter extra;
  if (parser.HandleNextDocument(extra)) {
    throw YAML::ParserException(extra.firstNode.value_or(extra.start),
                                "unexpected content after the end of the document");
  }
  return node;
}

}  // namespace podkeeper::manifests::detail
