#include "manifests/manifest_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.h"

namespace podkeeper::manifests {
namespace {

using namespace testing::decoder_names;

std::string pod(const std::string& name, const std::string& image = "busybox:1.36") {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
         "}\nspec: {containers: [{name: app, image: \"" + image + "\"}]}\n";
}

TEST(ManifestSet, MultiDocumentFileContributesEveryPod) {
  ManifestSet set;
  set.update("/m/a.yaml", pod("one") + "---\n" + pod("two"));
  auto snap = set.snapshot();
  EXPECT_EQ(snap.pods.size(), 2u);
  EXPECT_EQ(snap.sourceOf.at("default/one"), "/m/a.yaml");
  EXPECT_EQ(snap.sourceOf.at("default/two"), "/m/a.yaml");
}

// A snapshot shares the decodings of the files that did not change since the last one (a
// reader tells them unchanged by pointer); a changed file's pods are new decodings.
TEST(ManifestSet, ASnapshotSharesThePodsOfFilesThatDidNotChange) {
  ManifestSet set;
  set.update("/m/a.yaml", pod("one"));
  set.update("/m/b.yaml", pod("two"));
  auto first = set.snapshot();
  set.update("/m/b.yaml", pod("two", "busybox:2"));
  set.update("/m/c.yaml", "kind: [");  // a broken file changes nothing either
  auto second = set.snapshot();
  EXPECT_EQ(second.pods.at("default/one").get(), first.pods.at("default/one").get());
  EXPECT_NE(second.pods.at("default/two").get(), first.pods.at("default/two").get());
  EXPECT_EQ(second.pods.at("default/two")->pod.spec.containers[0].image, "busybox:2");
  EXPECT_EQ(first.pods.at("default/two")->pod.spec.containers[0].image, "busybox:1.36");
}

std::string podWithUid(const std::string& name, const std::string& uid) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", uid: " + uid +
         "}\nspec: {containers: [{name: app, image: busybox}]}\n";
}

// An agent started while a file is broken gets its last good version from an earlier run.
TEST(ManifestSet, ARestoredLastGoodVersionRunsWhileTheFileStaysBroken) {
  ManifestSet set;
  EXPECT_FALSE(set.update("/m/a.yaml", "kind: [").ok());
  EXPECT_FALSE(set.hasLastGood("/m/a.yaml"));
  EXPECT_TRUE(set.contains("/m/a.yaml"));
  EXPECT_FALSE(set.restoreLastGood("/m/a.yaml", "kind: ["));  // a bad copy is not used
  ASSERT_TRUE(set.restoreLastGood("/m/a.yaml", pod("one")));
  auto snap = set.snapshot();
  EXPECT_EQ(snap.pods.size(), 1u);
  EXPECT_EQ(snap.sourceOf.at("default/one"), "/m/a.yaml");
  ASSERT_EQ(snap.problems.size(), 1u);  // the broken version is still reported
  // The same uid as when the file itself decodes: healing it changes nothing.
  const std::string uid = snap.pods.at("default/one")->uid;
  set.update("/m/a.yaml", pod("one"));
  EXPECT_EQ(set.snapshot().pods.at("default/one")->uid, uid);
  EXPECT_TRUE(set.snapshot().problems.empty());
}

TEST(ManifestSet, SameExplicitUidInTwoFilesIsWonByTheFileThatSortsFirst) {
  ManifestSet set;
  set.update("/m/b.yaml", podWithUid("two", "shared-uid"));
  set.update("/m/a.yaml", podWithUid("one", "shared-uid"));
  auto snap = set.snapshot();
  EXPECT_EQ(snap.pods.size(), 1u);
  EXPECT_TRUE(snap.pods.contains("default/one"));
  EXPECT_FALSE(snap.sourceOf.contains("default/two"));
  ASSERT_EQ(snap.duplicates.size(), 1u);
  EXPECT_EQ(snap.duplicates[0].str(),
            "/m/b.yaml:1:0: metadata.uid: uid shared-uid of pod default/two is also the uid of pod "
            "default/one in /m/a.yaml, which sorts first and wins; this one is ignored");
}

TEST(ManifestSet, SameExplicitUidTwiceInOneFileKeepsTheFirstPod) {
  ManifestSet set;
  set.update("/m/a.yaml", podWithUid("one", "u") + "---\n" + podWithUid("two", "u"));
  auto snap = set.snapshot();
  EXPECT_EQ(snap.pods.size(), 1u);
  EXPECT_TRUE(snap.pods.contains("default/one"));
  ASSERT_EQ(snap.duplicates.size(), 1u);
  EXPECT_EQ(snap.duplicates[0].field, "metadata.uid");
}

TEST(ManifestSet, DuplicateNameIsWonByTheFileThatSortsFirst) {
  ManifestSet set;
  set.update("/m/b.yaml", pod("web", "busybox:2"));
  set.update("/m/a.yaml", pod("web", "busybox:1"));
  auto snap = set.snapshot();
  EXPECT_EQ(snap.sourceOf.at("default/web"), "/m/a.yaml");
  EXPECT_EQ(snap.pods.at("default/web")->pod.spec.containers[0].image, "busybox:1");
}

TEST(ManifestSet, DuplicateIsReportedNamingBothFilesOnEverySnapshot) {
  ManifestSet set;
  set.update("/m/a.yaml", pod("web"));
  set.update("/m/b.yaml", pod("web"));
  for (int relist = 0; relist < 2; ++relist) {
    auto snap = set.snapshot();
    ASSERT_EQ(snap.duplicates.size(), 1u);
    EXPECT_EQ(snap.duplicates[0].file, "/m/b.yaml");
    EXPECT_THAT(snap.duplicates[0].str(), HasSubstr("also defined in /m/a.yaml"));
  }
}

TEST(ManifestSet, BrokenEditKeepsTheLastGoodPodAndReportsUntilFixed) {
  ManifestSet set;
  set.update("/m/a.yaml", pod("web", "busybox:1"));
  DecodeResult broken = set.update("/m/a.yaml", pod("web", "busybox:2") + "  bogus: [\n");
  EXPECT_FALSE(broken.ok());
  for (int relist = 0; relist < 2; ++relist) {
    auto snap = set.snapshot();
    EXPECT_EQ(snap.pods.at("default/web")->pod.spec.containers[0].image, "busybox:1");
    ASSERT_EQ(snap.problems.size(), 1u);
    EXPECT_EQ(snap.problems[0].file, "/m/a.yaml");
    EXPECT_THAT(snap.problems[0].diagnostics, Not(IsEmpty()));
  }
  set.update("/m/a.yaml", pod("web", "busybox:3"));
  auto fixed = set.snapshot();
  EXPECT_THAT(fixed.problems, IsEmpty());
  EXPECT_EQ(fixed.pods.at("default/web")->pod.spec.containers[0].image, "busybox:3");
}

TEST(ManifestSet, NewFileThatFailsHasNoPodsButIsReported) {
  ManifestSet set;
  set.update("/m/a.yaml", "apiVersion: v1\nkind: Pod\n");
  auto snap = set.snapshot();
  EXPECT_THAT(snap.pods, IsEmpty());
  ASSERT_EQ(snap.problems.size(), 1u);
}

TEST(ManifestSet, RemovedFileRemovesItsPodsAndProblems) {
  ManifestSet set;
  set.update("/m/a.yaml", pod("web"));
  set.update("/m/a.yaml", "junk: [");
  set.remove("/m/a.yaml");
  auto snap = set.snapshot();
  EXPECT_THAT(snap.pods, IsEmpty());
  EXPECT_THAT(snap.problems, IsEmpty());
  EXPECT_THAT(set.files(), IsEmpty());
}

TEST(ManifestSet, RemovingTheWinnerHandsTheNameToTheOtherFile) {
  ManifestSet set;
  set.update("/m/a.yaml", pod("web", "busybox:1"));
  set.update("/m/b.yaml", pod("web", "busybox:2"));
  set.remove("/m/a.yaml");
  auto snap = set.snapshot();
  EXPECT_EQ(snap.sourceOf.at("default/web"), "/m/b.yaml");
  EXPECT_THAT(snap.duplicates, IsEmpty());
}

TEST(ManifestSet, FilesAreListedInPathOrder) {
  ManifestSet set;
  set.update("/m/b.yaml", pod("b"));
  set.update("/m/a.yaml", pod("a"));
  EXPECT_THAT(set.files(), ElementsAre("/m/a.yaml", "/m/b.yaml"));
}

}  // namespace
}  // namespace podkeeper::manifests
