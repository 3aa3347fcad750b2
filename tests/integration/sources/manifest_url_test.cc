// --manifest-url through libcurl against an HTTP server the test runs on loopback: the body
// changes, 304s with If-None-Match, 500s, a broken body, a v1 List, multi-document YAML,
// duplicates with the directory, and a restart that cannot reach the URL.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "agent/manifest_watcher.h"
#include "manifests/identity.h"
#include "sources/url_source.h"
#include "tests/support/scripted_http_server.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_for.h"

namespace podkeeper::sources {
namespace {

using namespace std::chrono_literals;
using support::ScriptedReply;
using support::ScriptedRequest;

std::string podYaml(const std::string& name, const std::string& image = "busybox") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\nspec:\n  containers:\n  - name: c\n    image: " + image + "\n";
}

// What the server answers; changed by the test between polls.
struct Script {
  std::mutex mu;
  int status = 200;
  std::string body;
  std::string etag;
  ScriptedReply reply(const ScriptedRequest& req) {
    std::lock_guard lock(mu);
    ScriptedReply r;
    r.status = status;
    if (status != 200) {
      r.body = "boom";
      return r;
    }
    auto inm = req.headers.find("if-none-match");
    if (!etag.empty() && inm != req.headers.end() && inm->second == etag) {
      r.status = 304;
      return r;
    }
    if (!etag.empty()) r.headers.emplace_back("ETag", etag);
    r.body = body;
    return r;
  }
  void set(int s, std::string b, std::string e) {
    std::lock_guard lock(mu);
    status = s;
    body = std::move(b);
    etag = std::move(e);
  }
};

// A watcher on an empty (or given) directory fed by a UrlManifestSource, as the agent wires
// them; the io_context is run by the test.
struct Fixture {
  boost::asio::io_context io;
  support::TempDir dir{"pk-url-dir"};
  support::TempDir state{"pk-url-state"};
  Script script;
  support::ScriptedHttpServer server{[this](const ScriptedRequest& r) { return script.reply(r); }};
  image::registry::CurlHttpClient http;
  std::string url = "http://" + server.host() + "/pods";
  std::vector<agent::ManifestWatcher::Published> published;
  // Relists often, so the tests see that a relist keeps the URL's document.
  agent::ManifestWatcher watcher{
      io, dir.path(), 30ms,
      [this](const agent::ManifestWatcher::Published& p) { published.push_back(p); }};
  std::optional<UrlManifestSource> source;

  void start(std::chrono::milliseconds interval = 20ms) {
    UrlSourceConfig c;
    c.url = url;
    c.headers = {{"X-Node", "n1"}};
    c.cacheFile = state.file("url.last-good");
    UrlManifestSource::Callbacks cb;
    cb.body = [this](const std::string& b) { return watcher.setSourceDocument(url, b); };
    cb.failed = [this](const std::string& why) { watcher.setSourceError(url, why); };
    source.emplace(io, http, c, interval, cb);
    source->start();
    ASSERT_TRUE(watcher.start().has_value());
  }
  const agent::ManifestWatcher::Published& last() { return published.back(); }
  // Runs the loop until cond holds for the latest snapshot.
  bool runUntil(const std::function<bool()>& cond) {
    return support::waitFor(
        [&] {
          io.run_for(10ms);
          return !published.empty() && cond();
        },
        10s, 1ms);
  }
  size_t requestsNow() { return server.requests().size(); }
  ~Fixture() {
    if (source) source->stop();
    watcher.stop();
    io.run_for(50ms);
  }
};

std::set<std::string> keys(const agent::ManifestWatcher::Published& p) {
  std::set<std::string> out;
  for (const auto& [k, pod] : p.snapshot.pods) out.insert(k);
  return out;
}

TEST(ManifestUrl, ParsesHeaderFlags) {
  auto h = parseUrlHeader("Authorization: Bearer a:b");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->first, "Authorization");
  EXPECT_EQ(h->second, "Bearer a:b");
  EXPECT_FALSE(parseUrlHeader("no-colon").has_value());
  auto bad = parseUrlHeader("Bad Name:x");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("Bad Name:x"), std::string::npos);
  EXPECT_FALSE(parseUrlHeader("X:a\nb").has_value());
}

TEST(ManifestUrl, FirstPollIsInTheFirstSnapshotWithUidFromTheUrl) {
  Fixture f;
  f.script.set(200, podYaml("web"), "\"v1\"");
  f.start();
  ASSERT_FALSE(f.published.empty());
  ASSERT_EQ(keys(f.published.front()), (std::set<std::string>{"default/web"}));
  const auto& pod = *f.published.front().snapshot.pods.at("default/web");
  EXPECT_EQ(pod.uid, manifests::podUid(pod.pod.metadata, f.url));
  EXPECT_EQ(f.published.front().snapshot.sourceOf.at("default/web"), f.url);
  auto reqs = f.server.requests();
  ASSERT_FALSE(reqs.empty());
  EXPECT_EQ(reqs[0].headers["x-node"], "n1");
  EXPECT_FALSE(reqs[0].headers.contains("if-none-match"));
}

TEST(ManifestUrl, SendsIfNoneMatchAndKeepsThePodsOn304) {
  Fixture f;
  f.script.set(200, podYaml("web"), "\"v1\"");
  f.start();
  const std::string hash = f.last().snapshot.pods.at("default/web")->specHash;
  ASSERT_TRUE(support::waitFor(
      [&] {
        f.io.run_for(10ms);
        return f.requestsNow() >= 3;
      },
      10s, 1ms));
  auto reqs = f.server.requests();
  EXPECT_EQ(reqs[1].headers["if-none-match"], "\"v1\"");
  EXPECT_EQ(reqs[2].headers["if-none-match"], "\"v1\"");
  // 304s change nothing: the same pod, nothing counted as an error.
  EXPECT_EQ(f.last().snapshot.pods.at("default/web")->specHash, hash);
  EXPECT_EQ(f.last().filesWithErrors, 0);
  EXPECT_EQ(keys(f.last()), (std::set<std::string>{"default/web"}));
}

TEST(ManifestUrl, ChangesReplaceThePodsOfTheUrl) {
  Fixture f;
  f.script.set(200, podYaml("web"), "\"v1\"");
  f.start();
  // A v1 List.
  f.script.set(200,
               "apiVersion: v1\nkind: List\nitems:\n"
               "- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n"
               "  spec: {containers: [{name: c, image: busybox}]}\n"
               "- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n"
               "  spec: {containers: [{name: c, image: busybox}]}\n",
               "\"v2\"");
  ASSERT_TRUE(f.runUntil([&] {
    return keys(f.last()) == std::set<std::string>{"default/a", "default/b"};
  }));
  // Multi-document YAML, no ETag at all.
  f.script.set(200, podYaml("mx") + "---\n" + podYaml("my"), "");
  ASSERT_TRUE(f.runUntil([&] {
    return keys(f.last()) == std::set<std::string>{"default/mx", "default/my"};
  }));
  // An edit of one pod keeps its uid and changes its hash.
  auto before = *f.last().snapshot.pods.at("default/mx");
  f.script.set(200, podYaml("mx", "busybox:2") + "---\n" + podYaml("my"), "");
  ASSERT_TRUE(f.runUntil(
      [&] { return f.last().snapshot.pods.at("default/mx")->specHash != before.specHash; }));
  EXPECT_EQ(f.last().snapshot.pods.at("default/mx")->uid, before.uid);
  // An empty body is a valid, empty set: the URL's pods go.
  f.script.set(200, "", "\"empty\"");
  ASSERT_TRUE(f.runUntil([&] { return f.last().snapshot.pods.empty(); }));
}

TEST(ManifestUrl, ServerErrorsAndBrokenBodiesKeepTheLastGoodPods) {
  Fixture f;
  f.script.set(200, podYaml("web"), "\"v1\"");
  f.start();
  f.script.set(500, "", "");
  ASSERT_TRUE(f.runUntil([&] { return f.last().filesWithErrors == 1; }));
  EXPECT_EQ(keys(f.last()), (std::set<std::string>{"default/web"}));
  // Back: the error clears.
  f.script.set(200, podYaml("web"), "\"v1\"");
  ASSERT_TRUE(f.runUntil([&] { return f.last().filesWithErrors == 0; }));
  // A broken body: reported as the URL's problem, the last good pod stays.
  f.script.set(200, "apiVersion: v1\nkind: Pod\nmetadata: {name: [oops\n", "\"broken\"");
  ASSERT_TRUE(f.runUntil([&] { return !f.last().snapshot.problems.empty(); }));
  EXPECT_EQ(f.last().snapshot.problems[0].file, f.url);
  EXPECT_EQ(keys(f.last()), (std::set<std::string>{"default/web"}));
}

TEST(ManifestUrl, TheDirectoryWinsADuplicateAndItIsReported) {
  Fixture f;
  std::ofstream(f.dir.file("web.yaml")) << podYaml("web");
  f.script.set(200, podYaml("web") + "---\n" + podYaml("other"), "\"v1\"");
  f.start();
  ASSERT_FALSE(f.published.empty());
  EXPECT_EQ(keys(f.last()), (std::set<std::string>{"default/other", "default/web"}));
  EXPECT_EQ(f.last().snapshot.sourceOf.at("default/web"), f.dir.file("web.yaml"));
  ASSERT_EQ(f.last().snapshot.duplicates.size(), 1u);
  EXPECT_EQ(f.last().snapshot.duplicates[0].file, f.url);
  // The directory's relist forgets the removed file, not the URL's document: the URL's web
  // takes over and its other pod stays.
  std::filesystem::remove(f.dir.file("web.yaml"));
  ASSERT_TRUE(f.runUntil([&] {
    return f.last().snapshot.sourceOf.contains("default/web") &&
           f.last().snapshot.sourceOf.at("default/web") == f.url;
  }));
  EXPECT_EQ(keys(f.last()), (std::set<std::string>{"default/other", "default/web"}));
  EXPECT_TRUE(f.last().snapshot.duplicates.empty());
}

TEST(ManifestUrl, ARestartThatCannotReachTheUrlRunsTheLastGoodBody) {
  support::TempDir state("pk-url-restart");
  std::string url;
  std::string uid;
  {
    Fixture f;
    f.script.set(200, podYaml("web"), "\"v1\"");
    f.start();
    url = f.url;
    uid = f.last().snapshot.pods.at("default/web")->uid;
    // A broken body later must not replace the good one kept on disk.
    f.script.set(200, "kind: [", "\"v2\"");
    ASSERT_TRUE(f.runUntil([&] { return !f.last().snapshot.problems.empty(); }));
    std::filesystem::copy_file(f.state.file("url.last-good"), state.file("url.last-good"));
  }
  boost::asio::io_context io;
  std::vector<agent::ManifestWatcher::Published> published;
  support::TempDir dir("pk-url-dir");
  agent::ManifestWatcher watcher(
      io, dir.path(), 1h,
      [&](const agent::ManifestWatcher::Published& p) { published.push_back(p); });
  image::registry::CurlHttpClient http;
  UrlSourceConfig c;
  c.url = url;  // nothing listens there any more
  c.cacheFile = state.file("url.last-good");
  c.limits.connectTimeoutMs = 2000;
  UrlManifestSource::Callbacks cb;
  cb.body = [&](const std::string& b) { return watcher.setSourceDocument(url, b); };
  cb.failed = [&](const std::string& why) { watcher.setSourceError(url, why); };
  UrlManifestSource source(io, http, c, 1h, cb);
  source.start();
  ASSERT_TRUE(watcher.start().has_value());
  ASSERT_FALSE(published.empty());
  ASSERT_EQ(published.back().snapshot.pods.size(), 1u);
  EXPECT_EQ(published.back().snapshot.pods.at("default/web")->uid, uid);
  EXPECT_EQ(published.back().filesWithErrors, 1);  // the URL is reported unreachable
  source.stop();
  watcher.stop();
}

}  // namespace
}  // namespace podkeeper::sources
