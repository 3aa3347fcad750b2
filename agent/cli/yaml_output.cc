#include "agent/cli/yaml_output.h"

#include <yaml-cpp/yaml.h>

#include <regex>

#include "common/json_text.h"

namespace podkeeper::cli {
namespace {

bool looksLikeAnotherType(const std::string& s) {
  static const std::regex other(
      "|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|"
      "OFF|[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|"
      "[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  return std::regex_match(s, other);
}

void emit(YAML::Emitter& out, const nlohmann::json& j) {
  // Empty collections in flow style ("{}", "[]"), as kubectl -o yaml prints them.
  if (j.is_structured() && j.empty()) out << YAML::Flow;
  switch (j.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, value] : j.items()) {
        out << YAML::Key << key << YAML::Value;
        emit(out, value);
      }
      out << YAML::EndMap;
      break;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : j) emit(out, item);
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      if (looksLikeAnotherType(s)) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case nlohmann::json::value_t::null:
      out << YAML::Null;
      break;
    default:  // numbers and booleans print as JSON does
      out << dumpJson(j);
  }
}

}  // namespace

std::string toYaml(const nlohmann::json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  out.SetMapFormat(YAML::Block);
  emit(out, value);
  std::string text = out.c_str();
  return text + "\n";
}

}  // namespace podkeeper::cli
