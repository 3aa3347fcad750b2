#include "fixture_tree.h"

#include <filesystem>
#include <fstream>

#include "tests/support/text.h"

namespace podkeeper::runtime::cgroup::testing {
namespace fs = std::filesystem;

void FixtureTree::write(const std::string& rel, const std::string& content) const {
  const fs::path p = path(rel);
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::trunc);
  out << content;
}

std::string FixtureTree::read(const std::string& rel) const { return support::readText(path(rel)); }

void FixtureTree::mkdirs(const std::string& rel) const { fs::create_directories(path(rel)); }

bool FixtureTree::exists(const std::string& rel) const { return fs::exists(path(rel)); }

std::string mountLine(const std::string& mountPoint, const std::string& fsType,
                      const std::string& superOptions, const std::string& root) {
  return "30 20 0:30 " + root + " " + mountPoint + " rw,nosuid,nodev - " + fsType + " " + fsType +
         " " + superOptions + "\n";
}

}  // namespace podkeeper::runtime::cgroup::testing
