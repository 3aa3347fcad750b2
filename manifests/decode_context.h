#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "manifests/decode.h"
#include "manifests/validate.h"

// Shared state of one file's decoding: where diagnostics go, and the work budget that keeps
// hostile YAML (aliases that expand exponentially, huge strings) from costing unbounded time.
namespace podkeeper::manifests::detail {

// Work limits per file. Aliases make a small file describe a huge tree; these bound what the
// decoder will walk and copy. A file without aliases is at most 1 MiB and every node takes at
// least two bytes, so a real manifest never reaches them.
inline constexpr size_t kMaxNodesVisited = 1'000'000;
inline constexpr size_t kMaxScalarBytes = 16u << 20;

class DecodeContext : public Reporter {
 public:
  DecodeContext(std::string file, std::vector<Diagnostic>& out)
      : file_(std::move(file)), out_(out) {}

  void error(const YAML::Mark& at, const std::string& field, const std::string& message);
  void warning(const YAML::Mark& at, const std::string& field, const std::string& message);
  void error(const YAML::Node& at, const std::string& field, const std::string& message) {
    error(at.Mark(), field, message);
  }
  void warning(const YAML::Node& at, const std::string& field, const std::string& message) {
    warning(at.Mark(), field, message);
  }

  // Counts one visited node (and its scalar bytes). False once the budget is spent; the first
  // overrun is reported, after which the caller stops walking.
  bool charge(const YAML::Node& node);
  bool exhausted() const { return exhausted_; }
  // Documents are parsed one at a time; their marks count from the document's first line.
  void setLineOffset(int lines) { lineOffset_ = lines; }
  int lineOffset() const { return lineOffset_; }

  // Where each decoded field was written, so validators that see only the model can still
  // report a line and column (Reporter): the position of the nearest recorded ancestor.
  void remember(const std::string& path, const YAML::Mark& at) { marks_.emplace(path, at); }
  YAML::Mark locate(const std::string& path) const;
  // Validator errors on a field that already failed to decode (itself or beneath it) are
  // dropped: "a volume source is required" after "configMap is not supported" is noise.
  void error(const std::string& field, const std::string& message) override;
  void beginDocument() { decodeErrorFields_.clear(); }
  void warning(const std::string& field, const std::string& message) override;
  const std::string& file() const { return file_; }
  // A string that is not UTF-8 was reported at its field.
  void noteInvalidUtf8() { invalidUtf8Reported_ = true; }
  bool invalidUtf8Reported() const { return invalidUtf8Reported_; }

 private:
  void add(Diagnostic::Severity s, const YAML::Mark& at, const std::string& field,
           const std::string& message);

  std::string file_;
  std::vector<Diagnostic>& out_;
  size_t nodes_ = 0;
  size_t scalarBytes_ = 0;
  bool exhausted_ = false;
  int lineOffset_ = 0;
  bool invalidUtf8Reported_ = false;
  std::unordered_map<std::string, YAML::Mark> marks_;
  std::vector<std::string> decodeErrorFields_;
};

// "spec.containers" + 1 -> "spec.containers[1]"; "spec" + "hostNetwork" -> "spec.hostNetwork".
std::string indexPath(const std::string& path, size_t i);
std::string fieldPath(const std::string& path, const std::string& key);

// Quotes a value for a message, shortened and with control bytes escaped.
std::string quoteValue(const std::string& value);

}  // namespace podkeeper::manifests::detail
