#include "manifests/file_rules.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace podkeeper::manifests {
namespace {

TEST(FileRules, YamlYmlAndJsonAreManifests) {
  EXPECT_EQ(classifyFileName("web.yaml"), FileKind::Manifest);
  EXPECT_EQ(classifyFileName("web.yml"), FileKind::Manifest);
  EXPECT_EQ(classifyFileName("web.json"), FileKind::Manifest);
  EXPECT_EQ(classifyFileName("/etc/podkeeper/web.yaml"), FileKind::Manifest);
}

TEST(FileRules, DotfilesAreHidden) {
  EXPECT_EQ(classifyFileName(".web.yaml"), FileKind::Hidden);
  EXPECT_EQ(classifyFileName(".web.yaml.swp"), FileKind::Hidden);
  EXPECT_EQ(classifyFileName("/m/.#web.yaml"), FileKind::Hidden);
}

TEST(FileRules, EditorBackupsAreBackups) {
  for (const char* name : {"web.yaml~", "web.yaml.swp", "web.yaml.bak", "web.yaml.orig"}) {
    EXPECT_EQ(classifyFileName(name), FileKind::Backup) << name;
  }
}

TEST(FileRules, OtherExtensionsAreIgnoredIncludingLeftOverCopies) {
  for (const char* name : {"web.yaml.backup", "README.md", "web", "web.yaml.tmp", ".yaml"}) {
    EXPECT_NE(classifyFileName(name), FileKind::Manifest) << name;
  }
  EXPECT_EQ(classifyFileName("web.yaml.backup"), FileKind::OtherExtension);
}

class ReadManifestFile : public ::testing::Test {
 protected:
  std::string write(const std::string& name, size_t bytes) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << std::string(bytes, '#');
    return path;
  }
  support::TempDir tmp_{"pk-manifests-test"};
  const std::string dir_ = tmp_.path();
};

TEST_F(ReadManifestFile, ReadsAFileUpToTheCap) {
  auto read = readManifestFile(write("ok.yaml", kMaxManifestBytes));
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(read.contents.size(), kMaxManifestBytes);
}

TEST_F(ReadManifestFile, RefusesAFileOverOneMiB) {
  std::string path = write("big.yaml", kMaxManifestBytes + 1);
  auto read = readManifestFile(path);
  EXPECT_EQ(read.error, path + ": larger than 1 MiB; refusing to read it as a manifest");
  EXPECT_EQ(read.contents, "");
}

TEST_F(ReadManifestFile, RefusesADirectory) {
  auto read = readManifestFile(dir_);
  EXPECT_EQ(read.error, dir_ + ": not a regular file");
}

TEST_F(ReadManifestFile, ReportsAMissingFileWithItsPath) {
  auto read = readManifestFile(dir_ + "/missing.yaml");
  EXPECT_EQ(read.error, dir_ + "/missing.yaml: cannot open: No such file or directory");
}

TEST(ManifestDirBudget, ANewFileOverTheFileCapIsNotReadAndIsNamed) {
  ManifestDirBudget budget(2, 1000);
  EXPECT_EQ(budget.hold("/m/a.yaml", 10), "");
  EXPECT_EQ(budget.hold("/m/b.yaml", 10), "");
  EXPECT_EQ(budget.mayRead("/m/c.yaml"),
            "/m/c.yaml: not read: the manifest directory already holds 2 manifest files, the most "
            "podkeeper reads");
  EXPECT_EQ(budget.mayRead("/m/a.yaml"), "") << "a file in use is read again";
}

TEST(ManifestDirBudget, AFileThatWouldPassTheByteCapIsNotUsedAndIsNamed) {
  ManifestDirBudget budget(10, 100);
  EXPECT_EQ(budget.hold("/m/a.yaml", 60), "");
  EXPECT_EQ(budget.hold("/m/b.yaml", 41),
            "/m/b.yaml: not used: with it the manifest directory would hold more than 100 bytes "
            "of manifests");
  EXPECT_EQ(budget.files(), 1u);
  EXPECT_EQ(budget.bytes(), 60u);
}

TEST(ManifestDirBudget, AFileCountsOnceWithItsNewestSize) {
  ManifestDirBudget budget(10, 100);
  EXPECT_EQ(budget.hold("/m/a.yaml", 60), "");
  EXPECT_EQ(budget.hold("/m/a.yaml", 90), "");
  EXPECT_EQ(budget.bytes(), 90u);
  EXPECT_EQ(budget.files(), 1u);
}

TEST(ManifestDirBudget, ARemovedFileFreesItsShare) {
  ManifestDirBudget budget(1, 100);
  EXPECT_EQ(budget.hold("/m/a.yaml", 100), "");
  budget.release("/m/a.yaml");
  EXPECT_EQ(budget.hold("/m/b.yaml", 100), "");
}

}  // namespace
}  // namespace podkeeper::manifests
