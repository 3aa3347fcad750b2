#include "reconciler/env_files.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <map>

#include "manifests/env_expansion.h"
#include "tests/support/test_pods.h"

namespace podkeeper::reconciler {
namespace {

manifests::EnvVar fromFile(const std::string& name, const std::string& key, bool optional) {
  manifests::EnvVar e;
  e.name = name;
  e.valueFrom = manifests::EnvVarSource{};
  e.valueFrom->fileKeyRef = manifests::FileKeySelector{"config", "config.env", key, optional};
  return e;
}

// A volume holding the files of `files` (by "volume/path").
VolumeFileReader reader(std::map<std::string, std::string> files) {
  return [files](const std::string& volume, const std::string& path) -> Result<std::string> {
    auto it = files.find(volume + "/" + path);
    if (it == files.end()) return failSys(ENOENT, path + ": No such file or directory");
    return it->second;
  };
}

TEST(FileKeyRefs, ValuesAreReadFromTheFileAndTakenLiterally) {
  auto c = testing::container("app");
  c.env = {{"PLAIN", "x", std::nullopt}, fromFile("DB", "DB_ADDRESS", false)};
  auto resolved =
      resolveFileKeyRefs(c, reader({{"config/config.env", "DB_ADDRESS=db:5432/$(PLAIN)$HOME\n"}}));
  ASSERT_TRUE(resolved) << resolved.error().message;
  ASSERT_EQ(resolved->env.size(), 2u);
  EXPECT_FALSE(resolved->env[1].valueFrom);
  auto pod = testing::pod("web", {*resolved});
  auto final = manifests::resolveContainer(pod.pod, pod.uid, *resolved, {});
  EXPECT_EQ(final.env[1].value, "db:5432/$(PLAIN)$HOME");
}

TEST(FileKeyRefs, OptionalMissingFileOrKeyLeavesTheVariableUnset) {
  auto c = testing::container("app");
  c.env = {fromFile("A", "A", true), fromFile("B", "B", true)};
  auto none = resolveFileKeyRefs(c, reader({}));
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->env.empty());
  auto some = resolveFileKeyRefs(c, reader({{"config/config.env", "B=2\n"}}));
  ASSERT_TRUE(some);
  ASSERT_EQ(some->env.size(), 1u);
  EXPECT_EQ(some->env[0].name, "B");
}

TEST(FileKeyRefs, RequiredMissingFileOrKeyOrABadFileRefusesTheStartNamingAll) {
  auto c = testing::container("app");
  c.env = {fromFile("DB", "DB_ADDRESS", false)};
  auto missing = resolveFileKeyRefs(c, reader({}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message.rfind(
                "env \"DB\": key \"DB_ADDRESS\" of \"config.env\" in volume \"config\": ", 0),
            0u)
      << missing.error().message;
  auto noKey = resolveFileKeyRefs(c, reader({{"config/config.env", "OTHER=1\n"}}));
  ASSERT_FALSE(noKey);
  EXPECT_NE(noKey.error().message.find("the key is not in the file"), std::string::npos);
  c.env[0].valueFrom->fileKeyRef->optional = true;  // a malformed file fails even then
  auto bad = resolveFileKeyRefs(c, reader({{"config/config.env", "garbage\n"}}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("line 1: missing '='"), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::reconciler
