// The etcd manifest source against real etcd members (Debian's etcd-server, started by the
// test on loopback ports): placement per node and for all nodes, changes and deletes through
// the watch, a broken value keeping the last good pod, an outage of the member the source
// talks to (the watch resumes elsewhere and misses nothing), a compaction during an outage
// (a re-list that converges), and the set kept on disk for a restart while etcd is away.
#include "sources/etcd_source.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <fstream>

#include "agent/manifest_watcher.h"
#include "manifests/identity.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_etcd.h"
#include "tests/support/wait_for.h"

namespace podkeeper::sources {
namespace {

using namespace std::chrono_literals;

std::string podYaml(const std::string& name, const std::string& image = "busybox") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\nspec:\n  containers:\n  - name: c\n    image: " + image + "\n";
}

// A watcher on an empty directory fed by an EtcdManifestSource for node n1, as the agent
// wires them; the test runs the loop.
struct Node {
  boost::asio::io_context io;
  support::TempDir dir{"pk-etcd-dir"};
  std::string cache;
  std::vector<agent::ManifestWatcher::Published> published;
  agent::ManifestWatcher watcher{
      io, dir.path(), 1h,
      [this](const agent::ManifestWatcher::Published& p) { published.push_back(p); }};
  std::unique_ptr<EtcdManifestSource> source;

  Node(const std::vector<std::string>& endpoints, const std::string& cacheFile,
       const std::string& name = "n1") {
    cache = cacheFile;
    EtcdSourceOptions o;
    o.prefix = "/pk";
    o.nodeName = name;
    o.cacheFile = cacheFile;
    o.maxBackoff = 500ms;
    EtcdManifestSource::Callbacks cb;
    cb.documents = [this](const EtcdDocuments& d) { watcher.replaceSourceDocuments("etcd:", d); };
    cb.failed = [this](const std::string& why) { watcher.setSourceError("etcd", why); };
    etcd::EtcdConfig c;
    c.endpoints = endpoints;
    c.callTimeout = 2s;
    source = std::make_unique<EtcdManifestSource>(io, etcd::makeGrpcEtcdClient(c), o, cb);
    if (auto cached = source->loadCache()) watcher.replaceSourceDocuments("etcd:", *cached);
    EXPECT_TRUE(watcher.start().has_value());
    source->start();
  }
  ~Node() {
    source->stop();
    watcher.stop();
  }
  std::set<std::string> pods() {
    std::set<std::string> out;
    if (published.empty()) return out;
    for (const auto& [k, p] : published.back().snapshot.pods) out.insert(k);
    return out;
  }
  bool until(const std::function<bool()>& cond, std::chrono::seconds t = 20s) {
    return support::waitFor(
        [&] {
          io.run_for(10ms);
          return cond();
        },
        t, 1ms);
  }
  // A member restarted under load may take a while to rejoin and serve: 60 s.
  bool hasPods(const std::set<std::string>& want) {
    return until([&] { return pods() == want; }, 60s);
  }
};

void put(const support::TestEtcd& e, const std::string& key, const std::string& value) {
  support::TempDir tmp("pk-etcd-val");
  std::ofstream(tmp.file("v")) << value;
  e.ctl("put " + key + " < " + tmp.file("v"));
}

TEST(EtcdSource, RunsThePodsOfItsNodeAndOfAllAndFollowsChanges) {
  support::TempDir d("pk-etcd");
  support::TestEtcd etcd(d.path());
  put(etcd, "/pk/nodes/n1/pods/a", podYaml("a"));
  put(etcd, "/pk/nodes/n2/pods/b", podYaml("b"));
  put(etcd, "/pk/all/pods/c", podYaml("c"));
  put(etcd, "/pk/allx/pods/z", podYaml("z"));  // not under all/pods/
  Node n(etcd.endpointList(), d.file("cache.json"));
  ASSERT_TRUE(n.hasPods({"default/a", "default/c"}));
  // The uid is derived from the key, stable for the same key and name.
  const auto& a = *n.published.back().snapshot.pods.at("default/a");
  EXPECT_EQ(a.uid, manifests::podUid(a.pod.metadata, "etcd:/pk/nodes/n1/pods/a"));
  EXPECT_EQ(n.source->lists(), 1);
  // JSON works as well as YAML.
  put(etcd, "/pk/nodes/n1/pods/d",
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"d"},)"
      R"("spec":{"containers":[{"name":"c","image":"busybox"}]}})");
  ASSERT_TRUE(n.hasPods({"default/a", "default/c", "default/d"}));
  etcd.ctl("del /pk/nodes/n1/pods/a");
  ASSERT_TRUE(n.hasPods({"default/c", "default/d"}));
  // A broken value: reported, the last good pod stays.
  put(etcd, "/pk/all/pods/c", "kind: [");
  ASSERT_TRUE(n.until([&] { return !n.published.back().snapshot.problems.empty(); }));
  EXPECT_EQ(n.published.back().snapshot.problems[0].file, "etcd:/pk/all/pods/c");
  EXPECT_EQ(n.pods(), (std::set<std::string>{"default/c", "default/d"}));
  // Other nodes' keys never reach this one.
  put(etcd, "/pk/nodes/n2/pods/e", podYaml("e"));
  put(etcd, "/pk/nodes/n1/pods/f", podYaml("f"));
  ASSERT_TRUE(n.hasPods({"default/c", "default/d", "default/f"}));
  EXPECT_EQ(n.source->lists(), 1);  // all through the watch
}

TEST(EtcdSource, AnOutageOfItsMemberResumesTheWatchElsewhereAndMissesNothing) {
  support::TempDir d("pk-etcd");
  support::TestEtcd etcd(d.path(), 3);
  put(etcd, "/pk/all/pods/a", podYaml("a"));
  auto eps = etcd.endpointList();
  Node n({eps[0], eps[1]}, d.file("cache.json"));
  ASSERT_TRUE(n.hasPods({"default/a"}));
  etcd.kill(0);
  // Changes made while the source's stream is broken.
  put(etcd, "/pk/all/pods/b", podYaml("b"));
  etcd.ctl("del /pk/all/pods/a");
  put(etcd, "/pk/nodes/n1/pods/c", podYaml("c"));
  ASSERT_TRUE(n.hasPods({"default/b", "default/c"}));
  EXPECT_EQ(n.source->lists(), 1);  // resumed from its revision, not re-listed
  etcd.start(0);
}

TEST(EtcdSource, ACompactionDuringAnOutageForcesAReListThatConverges) {
  support::TempDir d("pk-etcd");
  support::TestEtcd etcd(d.path(), 3);
  put(etcd, "/pk/all/pods/a", podYaml("a"));
  put(etcd, "/pk/all/pods/b", podYaml("b"));
  auto eps = etcd.endpointList();
  Node n({eps[0]}, d.file("cache.json"));  // only the member that goes away
  ASSERT_TRUE(n.hasPods({"default/a", "default/b"}));
  etcd.kill(0);
  etcd.ctl("del /pk/all/pods/a");
  put(etcd, "/pk/nodes/n1/pods/c", podYaml("c"));
  put(etcd, "/pk/all/pods/b", podYaml("b", "busybox:2"));
  auto status = etcd.ctl("put /pk/other x -w json");
  auto rev = status.substr(status.find("\"revision\":") + 11);
  etcd.ctl("compact " + std::to_string(std::stoll(rev)) + " --physical");
  // The pods keep running meanwhile.
  EXPECT_EQ(n.pods(), (std::set<std::string>{"default/a", "default/b"}));
  etcd.start(0);
  ASSERT_TRUE(n.hasPods({"default/b", "default/c"}));
  EXPECT_EQ(n.published.back().snapshot.pods.at("default/b")->pod.spec.containers[0].image,
            "busybox:2");
  EXPECT_EQ(n.source->lists(), 2);
}

TEST(EtcdSource, ARestartWhileEtcdIsAwayRunsTheSetKeptOnDisk) {
  support::TempDir d("pk-etcd");
  std::string uid;
  std::vector<std::string> eps;
  {
    support::TestEtcd etcd(d.path());
    eps = etcd.endpointList();
    put(etcd, "/pk/nodes/n1/pods/a", podYaml("a"));
    Node n(eps, d.file("cache.json"));
    ASSERT_TRUE(n.hasPods({"default/a"}));
    uid = n.published.back().snapshot.pods.at("default/a")->uid;
  }  // etcd gone
  Node again(eps, d.file("cache.json"));
  ASSERT_FALSE(again.published.empty());  // the first snapshot already has it
  EXPECT_EQ(again.pods(), (std::set<std::string>{"default/a"}));
  EXPECT_EQ(again.published.front().snapshot.pods.at("default/a")->uid, uid);
  // etcd's failure is reported, and the pod stays.
  ASSERT_TRUE(again.until([&] { return again.published.back().filesWithErrors == 1; }));
  EXPECT_EQ(again.pods(), (std::set<std::string>{"default/a"}));
}

TEST(EtcdSource, CacheRoundTrip) {
  EtcdDocuments docs{{"/pk/all/pods/a", "x"}, {"/pk/nodes/n/pods/b", "y\n"}};
  auto back = decodeEtcdCache(encodeEtcdCache(docs, 7));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, docs);
  EXPECT_FALSE(decodeEtcdCache("{").has_value());
  EXPECT_FALSE(decodeEtcdCache(R"({"pods":{"a":1}})").has_value());
}

}  // namespace
}  // namespace podkeeper::sources
