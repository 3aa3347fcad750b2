#include "reconciler/downward_api_volume.h"

#include <gtest/gtest.h>

#include "tests/support/test_pods.h"

namespace podkeeper::reconciler {
namespace {

manifests::NodeFacts node() { return {"node1", "10.0.0.1", "10.0.0.1", 4000, int64_t(8) << 30, 0}; }

manifests::DownwardAPIVolumeFile field(const std::string& path, const std::string& fieldPath) {
  manifests::DownwardAPIVolumeFile f;
  f.path = path;
  f.fieldRef = manifests::ObjectFieldSelector{fieldPath};
  return f;
}

manifests::DownwardAPIVolumeFile resource(const std::string& path, const std::string& name,
                                          const std::string& res, const std::string& divisor) {
  manifests::DownwardAPIVolumeFile f;
  f.path = path;
  f.resourceFieldRef = manifests::ResourceFieldSelector{name, res, divisor};
  return f;
}

TEST(GoQuote, EscapesQuotesBackslashesAndControlCharactersLikeGo) {
  EXPECT_EQ(goQuote("plain"), "\"plain\"");
  EXPECT_EQ(goQuote("say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
  EXPECT_EQ(goQuote("a\nb\tc\r"), "\"a\\nb\\tc\\r\"");
  EXPECT_EQ(goQuote(std::string("\x01\x7f", 2)), "\"\\x01\\x7f\"");
}

TEST(GoQuote, KeepsPrintableUtf8AndEscapesInvalidBytesAndC1Controls) {
  EXPECT_EQ(goQuote("caf\xc3\xa9 \xe2\x9c\x93"), "\"caf\xc3\xa9 \xe2\x9c\x93\"");
  EXPECT_EQ(goQuote("\xff"), "\"\\xff\"");
  EXPECT_EQ(goQuote("\xc2\x85"), "\"\\u0085\"");
}

TEST(FormatMap, SortedKeyQuotedValueLinesWithoutTrailingNewline) {
  EXPECT_EQ(formatMap({{"tier", "front"}, {"app", "web"}}), "app=\"web\"\ntier=\"front\"");
  EXPECT_EQ(formatMap({}), "");
}

TEST(DownwardAPIVolume, MetadataFieldsAndLabelsAndAnnotations) {
  auto pod = testing::pod("web", {testing::container("app")});
  pod.pod.metadata.labels = {{"app", "web"}};
  pod.pod.metadata.annotations = {{"note", "a \"b\""}};
  manifests::DownwardAPIVolumeSource src;
  src.items = {field("name", "metadata.name"),
               field("ns", "metadata.namespace"),
               field("uid", "metadata.uid"),
               field("labels", "metadata.labels"),
               field("annotations", "metadata.annotations"),
               field("one", "metadata.labels['app']")};
  auto files = renderDownwardAPIVolume(pod.pod, pod.uid, src, node());
  ASSERT_TRUE(files) << files.error().message;
  ASSERT_EQ(files->size(), 6u);
  EXPECT_EQ((*files)[0].content, "web");
  EXPECT_EQ((*files)[1].content, "default");
  EXPECT_EQ((*files)[2].content, "uid-web");
  EXPECT_EQ((*files)[3].content, "app=\"web\"");
  EXPECT_EQ((*files)[4].content, "note=\"a \\\"b\\\"\"");
  EXPECT_EQ((*files)[5].content, "web");
}

TEST(DownwardAPIVolume, ResourcesAreDividedRoundingUp) {
  auto pod = testing::pod("web", {testing::container("app", 250, 500, 64 << 20, 100 << 20)});
  manifests::DownwardAPIVolumeSource src;
  src.items = {resource("cpu-cores", "app", "limits.cpu", "1"),
               resource("cpu-milli", "app", "requests.cpu", "1m"),
               resource("mem-mi", "app", "limits.memory", "1Mi"),
               resource("mem-gi", "app", "requests.memory", "1Gi")};
  auto files = renderDownwardAPIVolume(pod.pod, pod.uid, src, node());
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ((*files)[0].content, "1");  // 500m in cores, rounded up
  EXPECT_EQ((*files)[1].content, "250");
  EXPECT_EQ((*files)[2].content, "100");
  EXPECT_EQ((*files)[3].content, "1");  // 64Mi in Gi, rounded up
}

TEST(DownwardAPIVolume, UnsetLimitIsTheNodesAllocatable) {
  auto pod = testing::pod("web", {testing::container("app")});
  manifests::DownwardAPIVolumeSource src;
  src.items = {resource("cpu", "app", "limits.cpu", "1m"),
               resource("mem", "app", "limits.memory", "1Mi")};
  auto files = renderDownwardAPIVolume(pod.pod, pod.uid, src, node());
  ASSERT_TRUE(files);
  EXPECT_EQ((*files)[0].content, "4000");
  EXPECT_EQ((*files)[1].content, "8192");
}

TEST(DownwardAPIVolume, ItemModeWinsOverDefaultMode) {
  auto pod = testing::pod("web", {testing::container("app")});
  manifests::DownwardAPIVolumeSource src;
  src.defaultMode = 0640;
  src.items = {field("a", "metadata.name"), field("b", "metadata.name")};
  src.items[1].mode = 0400;
  auto files = renderDownwardAPIVolume(pod.pod, pod.uid, src, node());
  ASSERT_TRUE(files);
  EXPECT_EQ((*files)[0].mode, 0640);
  EXPECT_EQ((*files)[1].mode, 0400);
}

TEST(DownwardAPIVolume, UnknownContainerIsAnErrorNamingTheItem) {
  auto pod = testing::pod("web", {testing::container("app")});
  manifests::DownwardAPIVolumeSource src;
  src.items = {resource("cpu", "nope", "limits.cpu", "1")};
  auto files = renderDownwardAPIVolume(pod.pod, pod.uid, src, node());
  ASSERT_FALSE(files);
  EXPECT_NE(files.error().message.find("\"cpu\""), std::string::npos) << files.error().message;
  EXPECT_NE(files.error().message.find("\"nope\""), std::string::npos) << files.error().message;
}

}  // namespace
}  // namespace podkeeper::reconciler
