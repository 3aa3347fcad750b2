#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "fixture_tree.h"
#include "runtime/cgroup/stat_file_cache.h"

namespace podkeeper::runtime::cgroup::testing {

// StatFileCache tests: a fixture tree standing in for cgroupfs and one read through a cache.
class StatFileFixture : public ::testing::Test {
 protected:
  // The text of <tree>/<rel>/<file> read through the cache; nullopt when it fails.
  std::optional<std::string> read(StatFileCache& cache, const std::string& rel, const char* file) {
    auto d = cache.dir(tree_.path(rel));
    if (!d) return std::nullopt;
    auto text = (*d)->tryRead(file, buf_);
    return text ? std::optional<std::string>(*text) : std::nullopt;
  }

  FixtureTree tree_;
  std::string buf_;
};

}  // namespace podkeeper::runtime::cgroup::testing
