#include "timeline.h"

#include <cstdio>
#include <sstream>

namespace pkbench {

std::vector<std::pair<std::string, double>> parseStages(const std::string& text) {
  std::vector<std::pair<std::string, double>> out;
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    const auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    try {
      out.emplace_back(word.substr(0, eq), std::stod(word.substr(eq + 1)));
    } catch (const std::exception&) {
    }
  }
  return out;
}

void StageTimes::readNew() {
  log_.readNewLines([&](std::string_view line) {
    if (line.find(" timeline ms: ") != std::string_view::npos) lines_.emplace_back(line);
  });
}

bool StageTimes::collect(const std::string& pod, size_t containers) {
  const std::string who = "pod default/" + pod + ": ";
  std::vector<std::pair<std::string, double>> sum;  // in log order
  const auto add = [&](const std::string& name, double ms) {
    for (auto& [n, v] : sum)
      if (n == name) return void(v += ms);
    sum.emplace_back(name, ms);
  };
  size_t found = 0;
  bool ok = waitFor(
      [&] {
        readNew();
        for (auto it = lines_.begin(); it != lines_.end();) {
          if (it->find(who) == std::string::npos) {
            ++it;
            continue;
          }
          const bool container = it->find(" start timeline ms: ") != std::string::npos;
          for (const auto& [name, ms] : parseStages(it->substr(it->find(" ms: ") + 5)))
            add(container ? name : "sandbox." + name, ms);
          if (container) ++found;
          it = lines_.erase(it);
        }
        return found >= containers;
      },
      5'000'000'000, 1000);
  if (!ok) return false;
  for (const auto& [name, ms] : sum) {
    if (!stages_.count(name)) order_.push_back(name);
    stages_[name].push_back(ms);
  }
  return true;
}

void StageTimes::print(const std::string& title) const {
  if (stages_.empty()) return;
  std::printf("\n%s\n  %-44s %5s %10s %10s\n", title.c_str(), "stage (agent, then shim.*)", "runs",
              "median ms", "p90 ms");
  // total first, then the agent's stages, the sandbox, and the shim's, each in log order.
  std::vector<std::string> rows;
  for (const char* group : {"total", "", "sandbox.", "shim."}) {
    for (const auto& name : order_) {
      const bool isTotal = name == "total";
      const bool isShim = name.rfind("shim.", 0) == 0;
      const bool isSandbox = name.rfind("sandbox.", 0) == 0;
      const std::string g = group;
      if ((g == "total" && isTotal) || (g.empty() && !isTotal && !isShim && !isSandbox) ||
          (g == "sandbox." && isSandbox) || (g == "shim." && isShim))
        rows.push_back(name);
    }
  }
  for (const auto& name : rows) {
    const Summary s = summarize(stages_.at(name));
    std::printf("  %-44s %5zu %10.3f %10.3f\n", name.c_str(), s.n, s.median, s.p90);
  }
}

}  // namespace pkbench
