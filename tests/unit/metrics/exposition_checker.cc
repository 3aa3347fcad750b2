#include "exposition_checker.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "tests/support/text.h"

namespace podkeeper::metrics::testing {
namespace {

struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
};

// Parses `name{a="x",b="y"} value [ts]`; nullopt and a reason on malformed input.
std::optional<Sample> parseSample(std::string_view line, std::string& why) {
  Sample s;
  size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  s.name = std::string(line.substr(0, i));
  if (s.name.empty()) {
    why = "empty metric name";
    return std::nullopt;
  }
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      size_t eq = line.find('=', i);
      if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
        why = "label without =\"";
        return std::nullopt;
      }
      std::string name(line.substr(i, eq - i));
      std::string value;
      size_t j = eq + 2;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\') {
          if (j + 1 >= line.size()) break;
          char e = line[++j];
          if (e == 'n') {
            value += '\n';
          } else if (e == '\\' || e == '"') {
            value += e;
          } else {
            why = "invalid escape \\" + std::string(1, e) + " in label " + name;
            return std::nullopt;
          }
        } else {
          value += line[j];
        }
      }
      if (j >= line.size()) {
        why = "unterminated label value";
        return std::nullopt;
      }
      s.labels.emplace_back(std::move(name), std::move(value));
      i = j + 1;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) {
      why = "unterminated label set";
      return std::nullopt;
    }
    ++i;
  }
  if (i >= line.size() || line[i] != ' ' || i + 1 >= line.size()) {
    why = "no value";
    return std::nullopt;
  }
  return s;
}

// The family a sample belongs to: its own name, or the histogram/summary it is part of.
std::string familyOf(const std::string& sample, const std::map<std::string, std::string>& types) {
  if (types.count(sample)) return sample;
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (sample.ends_with(suffix)) {
      std::string base = sample.substr(0, sample.size() - suffix.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) {
        return base;
      }
    }
  }
  return sample;
}

}  // namespace

std::vector<std::string> checkExposition(std::string_view text) {
  std::vector<std::string> problems;
  if (text.empty() || text.back() != '\n') problems.push_back("missing final newline");
  std::map<std::string, std::string> types;
  std::set<std::string> helps, finished, seenSeries;
  std::string current;
  size_t lineNo = 0;
  for (std::string_view line : support::splitLines(text)) {
    ++lineNo;
    const std::string at = "line " + std::to_string(lineNo) + ": ";
    if (line.empty()) continue;
    auto enterFamily = [&](const std::string& family) {
      if (family == current) return;
      if (finished.count(family)) problems.push_back(at + "family " + family + " not contiguous");
      if (!current.empty()) finished.insert(current);
      current = family;
    };
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      std::string_view rest = line.substr(7);
      std::string name(rest.substr(0, rest.find(' ')));
      enterFamily(name);
      bool help = line[2] == 'H';
      if (help && !helps.insert(name).second) problems.push_back(at + "second HELP for " + name);
      if (!help) {
        if (types.count(name)) problems.push_back(at + "second TYPE for " + name);
        types[name] = std::string(rest.substr(rest.find(' ') + 1));
      }
      continue;
    }
    if (line.starts_with("#")) continue;
    std::string why;
    auto sample = parseSample(line, why);
    if (!sample) {
      problems.push_back(at + why);
      continue;
    }
    std::string family = familyOf(sample->name, types);
    enterFamily(family);
    if (!types.count(family)) problems.push_back(at + "no TYPE before samples of " + family);
    if (!helps.count(family)) problems.push_back(at + "no HELP before samples of " + family);
    auto labels = sample->labels;
    std::erase_if(labels, [](const auto& l) { return l.second.empty(); });
    std::sort(labels.begin(), labels.end());
    std::string key = sample->name + "{";
    for (const auto& [k, v] : labels) key += k + "=" + v + "\x1f";
    if (!seenSeries.insert(key).second) problems.push_back(at + "duplicate series " + key);
  }
  return problems;
}

}  // namespace podkeeper::metrics::testing
