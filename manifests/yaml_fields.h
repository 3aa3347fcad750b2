#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifests/decode_context.h"

// Typed reading of YAML nodes with the type rules of the Kubernetes API (sigs.k8s.io/yaml,
// YAML 1.1 scalars): a plain `8080` is a number, not a string; `0644` is octal; null is unset.
// Every mismatch is reported with its path and position, and reading goes on.
namespace podkeeper::manifests::detail {

enum class ScalarKind { Null, Bool, Int, Float, String };

// How a YAML scalar resolves; quoted and block scalars are always strings.
ScalarKind classifyScalar(const YAML::Node& node);
std::optional<int64_t> parseYamlInt(const std::string& text);
std::optional<bool> parseYamlBool(const std::string& text);

// Scalar readers for a node already known to be present. They report and return false on
// a wrong type.
bool readString(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                std::string& out);
bool readInt(DecodeContext& ctx, const YAML::Node& node, const std::string& path, int64_t& out);
bool readBool(DecodeContext& ctx, const YAML::Node& node, const std::string& path, bool& out);
// Any scalar, as text: for quantities, which may be written as numbers or strings.
bool readScalarText(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                    std::string& out);

// Calls each(element, elementPath) for every element of a sequence; reports non-sequences.
void forEachElement(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                    const std::function<void(const YAML::Node&, const std::string&)>& each);

// Reads the keys of one mapping. Keys not taken by the time finish() runs are reported as
// unknown fields: a warning, not an error (docs/architecture.md#manifest-files).
class MapReader {
 public:
  MapReader(DecodeContext& ctx, const YAML::Node& node, std::string path);
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  bool valid() const { return valid_; }
  const std::string& path() const { return path_; }
  const YAML::Node& node() const { return node_; }
  DecodeContext& ctx() { return ctx_; }
  std::string child(const std::string& key) const { return fieldPath(path_, key); }

  // The value of key, or nullopt when absent or null. Marks the key as known.
  std::optional<YAML::Node> take(const std::string& key);
  bool has(const std::string& key) const;      // present and not null
  bool present(const std::string& key) const;  // present, possibly null

  void string(const std::string& key, std::string& out);
  void boolean(const std::string& key, bool& out);
  void boolean(const std::string& key, std::optional<bool>& out);
  void integer(const std::string& key, int64_t& out);
  void integer(const std::string& key, std::optional<int64_t>& out);
  void integer32(const std::string& key, int32_t& out);
  void integer32(const std::string& key, std::optional<int32_t>& out);
  void stringList(const std::string& key, std::vector<std::string>& out);
  void stringMap(const std::string& key, std::map<std::string, std::string>& out);
  // A mapping whose values may be strings or numbers (quantities: `cpu: 1`, `memory: 1Gi`).
  void scalarMap(const std::string& key, std::map<std::string, std::string>& out);

  // Keys the API server sets (status, resourceVersion...): accepted, not used, not reported.
  void ignore(std::initializer_list<const char*> keys);
  // Keys podkeeper accepts but that change nothing without a cluster: one warning each.
  void noEffect(const std::string& key, const std::string& why);
  // Keys podkeeper cannot honour: an error when present.
  void refuse(const std::string& key, const std::string& why);

  // Reports the keys nobody took, as unknown-field warnings.
  void finish();
  // The same as errors: for files where a misspelt key must not pass (the agent's config).
  void finishStrict();

 private:
  struct Entry {
    std::string key;
    YAML::Node keyNode;
    YAML::Node value;
    bool taken = false;
  };
  void readMap(const std::string& key, std::map<std::string, std::string>& out, bool numbers);
  Entry* find(const std::string& key);
  const Entry* find(const std::string& key) const;

  DecodeContext& ctx_;
  YAML::Node node_;
  std::string path_;
  bool valid_ = false;
  std::vector<Entry> entries_;
};

}  // namespace podkeeper::manifests::detail
