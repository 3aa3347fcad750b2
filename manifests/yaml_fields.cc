#include "manifests/yaml_fields.h"

#include <array>
#include <cctype>
#include <limits>

#include "manifests/utf8.h"

namespace podkeeper::manifests::detail {
namespace {

bool isPlain(const YAML::Node& node) { return node.Tag() == "?"; }

bool matchesDigits(const std::string& s, size_t from, int base) {
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); ++i) {
    char c = s[i];
    bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                         : (c >= '0' && c < static_cast<char>('0' + base));
    if (!ok) return false;
  }
  return true;
}

bool looksLikeFloat(const std::string& s) {
  static const std::array<std::string, 9> kSpecial{".inf",  ".Inf", ".INF", "-.inf", "-.Inf",
                                                   "-.INF", ".nan", ".NaN", ".NAN"};
  for (const auto& sp : kSpecial) {
    if (s == sp) return true;
  }
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t expDigits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++expDigits;
    if (expDigits == 0) return false;
  }
  return i == s.size();
}

const char* kindName(ScalarKind k) {
  switch (k) {
    case ScalarKind::Null:
      return "null";
    case ScalarKind::Bool:
      return "boolean";
    case ScalarKind::Int:
    case ScalarKind::Float:
      return "number";
    case ScalarKind::String:
      return "string";
  }
  return "value";
}

std::string describe(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsScalar()) {
    return std::string(kindName(classifyScalar(node))) + " " + quoteValue(node.Scalar());
  }
  return "null";
}

// Strings reach the runtime (env, argv, paths) and its JSON state files: only UTF-8 passes.
bool isUtf8(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
            const std::string& what) {
  std::string why = checkUtf8(node.Scalar());
  if (why.empty()) return true;
  ctx.error(node, path, what + " " + why);
  ctx.noteInvalidUtf8();
  return false;
}

}  // namespace

std::optional<int64_t> parseYamlInt(const std::string& text) {
  std::string s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.erase(0, 1);
  }
  int base = 10;
  size_t from = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16, from = 2;
  } else if (s.size() > 2 && s[0] == '0' && s[1] == 'o') {
    base = 8, from = 2;
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8, from = 1;  // YAML 1.1 octal, as in `defaultMode: 0644`
  }
  if (!matchesDigits(s, from, base) || s.size() - from > 20) return std::nullopt;
  unsigned __int128 v = 0;
  for (size_t i = from; i < s.size(); ++i) {
    int d = std::isdigit(static_cast<unsigned char>(s[i]))
                ? s[i] - '0'
                : std::tolower(static_cast<unsigned char>(s[i])) - 'a' + 10;
    v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    if (v > static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max()) + 1) {
      return std::nullopt;
    }
  }
  if (!neg && v > static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max())) {
    return std::nullopt;
  }
  return neg ? static_cast<int64_t>(-static_cast<__int128>(v)) : static_cast<int64_t>(v);
}

std::optional<bool> parseYamlBool(const std::string& s) {
  static const std::array<std::string, 11> kTrue{"true", "True", "TRUE", "yes", "Yes", "YES",
                                                 "on",   "On",   "ON",   "y",   "Y"};
  static const std::array<std::string, 11> kFalse{"false", "False", "FALSE", "no", "No", "NO",
                                                  "off",   "Off",   "OFF",   "n",  "N"};
  for (const auto& t : kTrue) {
    if (s == t) return true;
  }
  for (const auto& f : kFalse) {
    if (s == f) return false;
  }
  return std::nullopt;
}

ScalarKind classifyScalar(const YAML::Node& node) {
  if (node.IsNull()) return ScalarKind::Null;
  if (!isPlain(node)) return ScalarKind::String;
  const std::string& s = node.Scalar();
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return ScalarKind::Null;
  if (parseYamlBool(s)) return ScalarKind::Bool;
  if (parseYamlInt(s)) return ScalarKind::Int;
  if (looksLikeFloat(s)) return ScalarKind::Float;
  return ScalarKind::String;
}

bool readString(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                std::string& out) {
  if (!ctx.charge(node)) return false;
  if (!node.IsScalar() || classifyScalar(node) != ScalarKind::String) {
    ctx.error(node, path,
              "expected a string, got " + describe(node) + (node.IsScalar() ? " (quote it)" : ""));
    return false;
  }
  if (!isUtf8(ctx, node, path, "the value")) return false;
  out = node.Scalar();
  return true;
}

bool readInt(DecodeContext& ctx, const YAML::Node& node, const std::string& path, int64_t& out) {
  if (!ctx.charge(node)) return false;
  if (node.IsScalar() && classifyScalar(node) == ScalarKind::Int) {
    out = *parseYamlInt(node.Scalar());
    return true;
  }
  ctx.error(node, path, "expected an integer, got " + describe(node));
  return false;
}

bool readBool(DecodeContext& ctx, const YAML::Node& node, const std::string& path, bool& out) {
  if (!ctx.charge(node)) return false;
  if (node.IsScalar() && classifyScalar(node) == ScalarKind::Bool) {
    out = *parseYamlBool(node.Scalar());
    return true;
  }
  ctx.error(node, path, "expected true or false, got " + describe(node));
  return false;
}

bool readScalarText(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                    std::string& out) {
  if (!ctx.charge(node)) return false;
  if (!node.IsScalar()) {
    ctx.error(node, path, "expected a string or number, got " + describe(node));
    return false;
  }
  if (!isUtf8(ctx, node, path, "the value")) return false;
  out = node.Scalar();
  return true;
}

void forEachElement(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                    const std::function<void(const YAML::Node&, const std::string&)>& each) {
  if (!ctx.charge(node)) return;
  if (!node.IsSequence()) {
    ctx.error(node, path, "expected a list, got " + describe(node));
    return;
  }
  for (size_t i = 0; i < node.size() && !ctx.exhausted(); ++i) {
    const YAML::Node element = node[i];
    std::string elementPath = indexPath(path, i);
    ctx.remember(elementPath, element.Mark());
    each(element, elementPath);
  }
}

MapReader::MapReader(DecodeContext& ctx, const YAML::Node& node, std::string path)
    : ctx_(ctx), node_(node), path_(std::move(path)) {
  if (!ctx_.charge(node)) return;
  if (!node.IsMap()) {
    ctx_.error(node, path_, "expected a mapping, got " + describe(node));
    return;
  }
  valid_ = true;
  for (auto it = node.begin(); it != node.end() && !ctx_.exhausted(); ++it) {
    const YAML::Node k = it->first;  // a copy: the iterator hands out a temporary pair
    if (!ctx_.charge(k)) return;
    if (!k.IsScalar()) {
      ctx_.error(k, path_, "a key must be a string, got " + describe(k));
      continue;
    }
    if (!isUtf8(ctx_, k, path_, "a key")) continue;
    if (find(k.Scalar()) != nullptr) {
      ctx_.error(k, child(k.Scalar()), "duplicate key");
      continue;
    }
    const YAML::Node value = it->second;
    entries_.push_back({k.Scalar(), k, value, false});
  }
}

MapReader::Entry* MapReader::find(const std::string& key) {
  for (auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

const MapReader::Entry* MapReader::find(const std::string& key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

bool MapReader::has(const std::string& key) const {
  const Entry* e = find(key);
  return e != nullptr && !e->value.IsNull();
}

bool MapReader::present(const std::string& key) const { return find(key) != nullptr; }

std::optional<YAML::Node> MapReader::take(const std::string& key) {
  Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  e->taken = true;
  if (e->value.IsNull()) return std::nullopt;
  ctx_.remember(child(key), e->value.Mark());
  return e->value;
}

void MapReader::string(const std::string& key, std::string& out) {
  if (auto n = take(key)) readString(ctx_, *n, child(key), out);
}

void MapReader::boolean(const std::string& key, bool& out) {
  if (auto n = take(key)) readBool(ctx_, *n, child(key), out);
}

void MapReader::boolean(const std::string& key, std::optional<bool>& out) {
  bool v = false;
  if (auto n = take(key); n && readBool(ctx_, *n, child(key), v)) out = v;
}

void MapReader::integer(const std::string& key, int64_t& out) {
  if (auto n = take(key)) readInt(ctx_, *n, child(key), out);
}

void MapReader::integer(const std::string& key, std::optional<int64_t>& out) {
  int64_t v = 0;
  if (auto n = take(key); n && readInt(ctx_, *n, child(key), v)) out = v;
}

void MapReader::integer32(const std::string& key, int32_t& out) {
  std::optional<int32_t> v;
  integer32(key, v);
  if (v) out = *v;
}

void MapReader::integer32(const std::string& key, std::optional<int32_t>& out) {
  auto n = take(key);
  int64_t v = 0;
  if (!n || !readInt(ctx_, *n, child(key), v)) return;
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    ctx_.error(*n, child(key), quoteValue(n->Scalar()) + " does not fit in a 32-bit integer");
    return;
  }
  out = static_cast<int32_t>(v);
}

void MapReader::stringList(const std::string& key, std::vector<std::string>& out) {
  auto n = take(key);
  if (!n) return;
  forEachElement(ctx_, *n, child(key), [&](const YAML::Node& e, const std::string& p) {
    std::string s;
    if (readString(ctx_, e, p, s)) out.push_back(std::move(s));
  });
}

void MapReader::stringMap(const std::string& key, std::map<std::string, std::string>& out) {
  readMap(key, out, false);
}

void MapReader::scalarMap(const std::string& key, std::map<std::string, std::string>& out) {
  readMap(key, out, true);
}

void MapReader::readMap(const std::string& key, std::map<std::string, std::string>& out,
                        bool numbers) {
  auto n = take(key);
  if (!n) return;
  MapReader m(ctx_, *n, child(key));
  if (!m.valid()) return;
  for (auto& e : m.entries_) {
    e.taken = true;
    std::string v;
    if (e.value.IsNull()) {
      out[e.key] = "";
    } else if (numbers ? readScalarText(ctx_, e.value, m.child(e.key), v)
                       : readString(ctx_, e.value, m.child(e.key), v)) {
      out[e.key] = std::move(v);
    }
  }
}

void MapReader::ignore(std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (Entry* e = find(k)) e->taken = true;
  }
}

void MapReader::noEffect(const std::string& key, const std::string& why) {
  if (Entry* e = find(key)) {
    e->taken = true;
    if (!e->value.IsNull()) ctx_.warning(e->keyNode, child(key), "accepted, no effect: " + why);
  }
}

void MapReader::refuse(const std::string& key, const std::string& why) {
  if (Entry* e = find(key)) {
    e->taken = true;
    if (!e->value.IsNull()) ctx_.error(e->keyNode, child(key), why);
  }
}

void MapReader::finish() {
  for (const auto& e : entries_) {
    if (!e.taken) ctx_.warning(e.keyNode, child(e.key), "unknown field, ignored");
  }
}

void MapReader::finishStrict() {
  for (const auto& e : entries_) {
    if (!e.taken) ctx_.error(e.keyNode, child(e.key), "unknown field");
  }
}

}  // namespace podkeeper::manifests::detail
