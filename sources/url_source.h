#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/background_work.h"
#include "common/error.h"
#include "image/registry/http_client.h"

// --manifest-url (the kubelet's staticPodURL): one URL whose body is one Pod, a v1 List or
// multi-document YAML, polled on the relist period with If-None-Match. The body is handed to
// the manifest watcher as one more "file" named by the URL, so the directory's rules hold:
// broken input keeps the last good pods, duplicates are reported, the uid is derived from the
// URL and the pod's name. The last good body is kept on disk so a restarted agent that cannot
// reach the URL still runs (and adopts) its pods.
namespace podkeeper::sources {

struct UrlSourceConfig {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // --manifest-url-header
  std::string cacheFile;                                     // the last good body ("" = none)
  image::registry::HttpLimits limits{10'000, 1, 30};
};

// A body larger than this is refused (the last good set stays).
constexpr size_t kMaxUrlBodyBytes = size_t{8} << 20;

// "Key:Value" as the kubelet's --manifest-url-header (the value may contain ':'; spaces
// around both are trimmed). An error names the flag and the value.
Result<std::pair<std::string, std::string>> parseUrlHeader(std::string_view flag);

struct UrlPoll {
  enum class Kind { Changed, Unchanged, Failed };
  Kind kind = Kind::Failed;
  std::string body;  // Changed: the new body
  std::string etag;  // Changed: its ETag ("" = none)
  std::string why;   // Failed: names the URL
};

// One blocking GET (run it off the loop). etag: the ETag of the body last applied, sent as
// If-None-Match; a 304 is Unchanged. Non-2xx, transport errors and oversized bodies fail.
UrlPoll pollManifestUrl(image::registry::HttpClient& http, const UrlSourceConfig& config,
                        const std::string& etag);

// Polls on a timer, the GET on a BackgroundWork worker, the result on the loop.
class UrlManifestSource {
 public:
  // body: the URL's current body (changed or, at start, from the cache); returns whether it
  // decoded (only a good body is kept on disk). failed: why the latest poll did not give one
  // ("" once it works again).
  struct Callbacks {
    std::function<bool(const std::string& body)> body;
    std::function<void(const std::string& why)> failed;
  };

  UrlManifestSource(boost::asio::io_context& io, image::registry::HttpClient& http,
                    UrlSourceConfig config, std::chrono::milliseconds interval,
                    Callbacks callbacks);

  // The first poll is synchronous, so the agent's first snapshot holds the URL's pods (a
  // restarted agent must not stop pods it is about to be told to run); when it fails the
  // cached body, if any, is used. Then polls every interval.
  void start();
  void stop();
  const std::string& name() const { return config_.url; }

 private:
  void apply(UrlPoll poll);
  void arm();

  image::registry::HttpClient& http_;
  UrlSourceConfig config_;
  std::chrono::milliseconds interval_;
  Callbacks callbacks_;
  boost::asio::steady_timer timer_;
  BackgroundWork work_;
  std::string etag_;
  std::string lastError_;
  bool stopped_ = false;
};

}  // namespace podkeeper::sources
