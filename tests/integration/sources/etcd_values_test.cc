// What etcd (or anyone who can write to it) may hand the node, fed to the watcher as the
// agent feeds it (replaceSourceDocuments("etcd:", set)) and kept in the source's cache: a
// value that is not YAML, a value as large as etcd allows, keys with odd characters in the
// node or pod part, and a v1 List with one broken item. Nothing here may crash the agent or
// disturb the pods of the other keys; a broken value keeps its key's last good pods.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "agent/manifest_watcher.h"
#include "manifests/identity.h"
#include "sources/etcd_source.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::sources {
namespace {

using namespace std::chrono_literals;

std::string podYaml(const std::string& name, const std::string& extra = "") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + extra +
         "\nspec:\n  containers:\n  - name: c\n    image: busybox\n";
}

struct Watcher {
  boost::asio::io_context io;
  support::TempDir dir{"pk-etcd-values"};
  std::vector<agent::ManifestWatcher::Published> published;
  agent::ManifestWatcher watcher{
      io, dir.path(), 1h,
      [this](const agent::ManifestWatcher::Published& p) { published.push_back(p); }};
  Watcher() { EXPECT_TRUE(watcher.start().has_value()); }
  ~Watcher() { watcher.stop(); }

  // Feeds the set; returns the pods (key -> source) of the snapshot it published.
  std::map<std::string, std::string> feed(const EtcdDocuments& docs) {
    watcher.replaceSourceDocuments("etcd:", docs);
    if (published.empty()) return {};
    return published.back().snapshot.sourceOf;
  }
  std::vector<std::string> problemFiles() const {
    std::vector<std::string> out;
    for (const auto& p : published.back().snapshot.problems) out.push_back(p.file);
    return out;
  }
};

const std::string kA = "/pk/all/pods/default_a", kB = "/pk/all/pods/default_b";

TEST(EtcdValues, AValueThatIsNotYamlKeepsItsLastGoodPodAndTouchesNoOther) {
  Watcher w;
  auto pods = w.feed({{kA, podYaml("a")}, {kB, podYaml("b")}});
  ASSERT_EQ(pods.size(), 2u);
  for (const std::string& broken :
       {std::string("\x00\x01\xff\xfe binary", 12), std::string("{{{[[[ :: not: yaml: ]"),
        std::string("just a string"), std::string("- 1\n- 2\n")}) {
    SCOPED_TRACE(broken);
    pods = w.feed({{kA, podYaml("a")}, {kB, broken}});
    EXPECT_EQ(pods.size(), 2u);  // b's last good pod stays
    EXPECT_EQ(pods["default/a"], "etcd:" + kA);
    EXPECT_EQ(pods["default/b"], "etcd:" + kB);
  }
  // A key that was never good brings nothing and is reported.
  pods = w.feed({{kA, podYaml("a")}, {"/pk/all/pods/default_c", "\xff\xfe"}});
  EXPECT_EQ(pods.size(), 1u);
  EXPECT_EQ(w.problemFiles(), std::vector<std::string>{"etcd:/pk/all/pods/default_c"});
}

TEST(EtcdValues, AValueAsLargeAsEtcdAllowsIsRefusedByTheAnnotationLimitAndKeptOnDisk) {
  Watcher w;
  // etcd's default request limit is 1.5 MiB: an annotation of 1.4 MiB.
  const std::string big(1400 * 1024, 'x');
  auto pods = w.feed({{kA, podYaml("a", "\n  annotations:\n    big: " + big)}});
  // Kubernetes caps annotations at 256 KiB in total, and so does the validator: the key is
  // refused whole, with the field named; the cache round-trips the value anyway.
  EXPECT_TRUE(pods.empty());
  ASSERT_EQ(w.problemFiles(), std::vector<std::string>{"etcd:" + kA});
  const auto& diagnostics = w.published.back().snapshot.problems[0].diagnostics;
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_EQ(diagnostics[0].field, "metadata.annotations") << diagnostics[0].str();
  auto back = decodeEtcdCache(encodeEtcdCache({{kA, big}}, 7));
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[kA], big);
}

TEST(EtcdValues, KeysWithOddCharactersAreDocumentsOfTheirOwnWithStableUids) {
  Watcher w;
  const std::vector<std::string> keys{
      "/pk/nodes/n1/pods/default_a b",        // a space
      "/pk/nodes/n1/pods/../../all/pods/x",   // dots do not climb anything: it is a name
      "/pk/nodes/n1/pods/\xc3\xa9t\xc3\xa9",  // UTF-8
      "/pk/nodes/n1/pods/",                   // the prefix itself
      "/pk/nodes/n1/pods/a\nb",               // a newline
  };
  EtcdDocuments docs;
  for (size_t i = 0; i < keys.size(); ++i) docs[keys[i]] = podYaml("p" + std::to_string(i));
  auto pods = w.feed(docs);
  ASSERT_EQ(pods.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i)
    EXPECT_EQ(pods["default/p" + std::to_string(i)], "etcd:" + keys[i]);
  // The uid is derived (a hash of the document's name), never the key's characters.
  const auto& p4 = *w.published.back().snapshot.pods.at("default/p4");
  EXPECT_EQ(p4.uid, manifests::podUid(p4.pod.metadata, "etcd:" + keys[4]));
  EXPECT_EQ(p4.uid.size(), 36u) << p4.uid;
  // The cache keeps every key as it was.
  auto back = decodeEtcdCache(encodeEtcdCache(docs, 3));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, docs);
}

TEST(EtcdValues, AKeyOrValueThatIsNotUtf8DoesNotStopTheCache) {
  // The cache is JSON: bytes that are not UTF-8 must not throw (a throw on the source's
  // thread would end the agent).
  const EtcdDocuments docs{{"/pk/all/pods/\xff", "\xfe\xff"}, {kA, podYaml("a")}};
  std::string text;
  ASSERT_NO_THROW(text = encodeEtcdCache(docs, 9));
  auto back = decodeEtcdCache(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->at(kA), podYaml("a"));
}

TEST(EtcdValues, AListWithOneBrokenItemIsRefusedWholeAndTheLastGoodStays) {
  Watcher w;
  const std::string good =
      "apiVersion: v1\nkind: List\nitems:\n"
      "- {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c, image: "
      "busybox}]}}\n"
      "- {apiVersion: v1, kind: Pod, metadata: {name: b}, spec: {containers: [{name: c, image: "
      "busybox}]}}\n";
  auto pods = w.feed({{kA, good}});
  ASSERT_EQ(pods.size(), 2u);
  std::string broken = good;
  broken.replace(broken.rfind("name: b"), 7, "name: B_");  // not a DNS name
  pods = w.feed({{kA, broken}});
  EXPECT_EQ(pods.size(), 2u);  // a and b as they were
  EXPECT_EQ(w.problemFiles(), std::vector<std::string>{"etcd:" + kA});
  // Fixed: the list applies again.
  pods = w.feed({{kA, good}});
  EXPECT_TRUE(w.problemFiles().empty());
}

}  // namespace
}  // namespace podkeeper::sources
