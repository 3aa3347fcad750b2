#include "agent/api/pod_api.h"

#include <spdlog/spdlog.h>

#include <string_view>
#include <vector>

#include "agent/api/api_response.h"
#include "agent/api/attach.h"
#include "agent/api/container_logs.h"
#include "agent/api/event_list.h"
#include "agent/api/exec_location.h"
#include "agent/api/log_location.h"
#include "agent/api/log_stream.h"
#include "agent/api/pod_lookup.h"
#include "agent/api/pod_view.h"
#include "common/clock.h"
#include "manifests/identity.h"

namespace podkeeper::api {
namespace {

using http::HttpRequest;
using http::HttpResponse;

std::vector<std::string> pathSegments(std::string_view path) {
  std::vector<std::string> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    if (slash != 0) parts.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

HttpResponse notFound(const std::string& ns, const std::string& name) {
  return statusError(404, "NotFound", "pods \"" + name + "\" not found in namespace " + ns);
}

class PodApi {
 public:
  PodApi(const status::PodReader& r, PodApiOptions options) : r_(r), options_(std::move(options)) {}

  HttpResponse list(const HttpRequest&) const {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& known : allPods(r_)) items.push_back(podView(r_, known, options_));
    return jsonResponse(podListJson(std::move(items)));
  }

  // /pods/<namespace>/<name>[/events|/logpath]
  HttpResponse one(const HttpRequest& request) const {
    auto parts = pathSegments(request.path);
    if (parts.size() < 3 || parts.size() > 4) return statusError(404, "NotFound", "no such path");
    auto known = findPod(r_, parts[1], parts[2]);
    if (!known) return notFound(parts[1], parts[2]);
    if (parts.size() == 3) return jsonResponse(podView(r_, *known, options_));
    if (parts[3] == "events") return events(*known);
    if (parts[3] == "logpath" && options_.serveLogPaths) return logPath(*known, request);
    if (parts[3] == "exec" && options_.execTarget) return exec(*known, request);
    if (parts[3] == "attach" && options_.attachSocket && options_.executor) {
      return attachResponse(r_, *known, request, options_.executor, options_.attachSocket);
    }
    return statusError(404, "NotFound", "no such path");
  }

 private:
  HttpResponse events(const KnownPod& known) const {
    const auto& meta = known.pod.pod.metadata;
    auto events = r_.status().events().forPod(manifests::podKey(meta.namespace_, meta.name));
    return jsonResponse(eventListJson(known.pod, events, options_.nodeName));
  }

  HttpResponse logPath(const KnownPod& known, const HttpRequest& request) const {
    auto query = parseQuery(request.query);
    LogRequest req{query["container"], query["previous"] == "true" || query["previous"] == "1"};
    auto location = logLocation(r_, known, req, options_.logDir);
    if (!location) return statusError(400, "BadRequest", location.error().message);
    return jsonResponse(*location);
  }

 public:
  // /containerLogs/<namespace>/<pod>/<container>; without the container, the pod's default
  // one (kubectl's choice).
  HttpResponse containerLogs(const HttpRequest& request) const {
    auto parts = pathSegments(request.path);
    if (parts.size() == 3) parts.emplace_back();
    if (parts.size() != 4) return statusError(404, "NotFound", "no such path");
    auto query = parseContainerLogQuery(request.query);
    if (!query) return statusError(400, "BadRequest", query.error().message);
    auto known = findPod(r_, parts[1], parts[2]);
    if (!known) return notFound(parts[1], parts[2]);
    auto location = logLocation(r_, *known, LogRequest{parts[3], query->previous}, options_.logDir);
    if (!location) return statusError(400, "BadRequest", location.error().message);
    return stream(request, parts, *query, *location);
  }

 private:
  // The files as they are now, read off the loop and sent as they are read (log_stream.h);
  // with follow=true (not for a previous instance), then the lines written after.
  HttpResponse stream(const HttpRequest& request, const std::vector<std::string>& parts,
                      const ContainerLogQuery& query, const nlohmann::json& location) const {
    if (!options_.executor || !options_.logReads)
      return statusError(400, "BadRequest", "container logs are not served here");
    const bool follow = query.follow && !query.previous;
    if (*streams_ >= options_.maxLogStreams)
      return statusError(429, "TooManyRequests",
                         "too many log streams (" + std::to_string(*streams_) + ")");
    ++*streams_;
    std::shared_ptr<void> slot(nullptr, [n = streams_](void*) { --*n; });
    FollowLookup lookup;
    if (follow) {
      lookup = [this, ns = parts[1], name = parts[2], container = location["container"]] {
        std::optional<FollowedContainer> at;
        auto known = findPod(r_, ns, name);
        if (!known) return at;
        auto now = logLocation(r_, *known, LogRequest{container, false}, options_.logDir);
        if (now) at = FollowedContainer{(*now)["path"], (*now)["restartCount"]};
        return at;
      };
      spdlog::info("logs: {} follows {}/{} container {} ({} streams)",
                   request.remote.empty() ? "the unix socket" : request.remote, parts[1], parts[2],
                   location["container"].get<std::string>(), *streams_);
    }
    HttpResponse response = HttpResponse::text(200, "");
    response.stream = std::make_shared<LogStream>(
        options_.executor, *options_.logReads,
        FollowedContainer{location["path"], location["restartCount"].get<int>()},
        LogSelection(query, options_.nowNs()), std::move(lookup), std::move(slot));
    return response;
  }

  HttpResponse exec(const KnownPod& known, const HttpRequest& request) const {
    auto query = parseQuery(request.query);
    auto location = execLocation(r_, known, query["container"], options_.execTarget);
    if (!location) return statusError(400, "BadRequest", location.error().message);
    return jsonResponse(*location);
  }

  const status::PodReader& r_;
  PodApiOptions options_;
  std::shared_ptr<size_t> streams_ = std::make_shared<size_t>(0);
};

}  // namespace

void addPodRoutes(http::Router& router, const status::PodReader& pods, PodApiOptions options) {
  if (!options.nowNs) options.nowNs = [] { return podkeeper::SystemClock().nowNs(); };
  auto api = std::make_shared<const PodApi>(pods, std::move(options));
  router.add("GET", "/pods", [api](const HttpRequest& r) { return api->list(r); });
  router.add("GET", "/pods/*", [api](const HttpRequest& r) { return api->one(r); });
  router.add("GET", "/containerLogs/*",
             [api](const HttpRequest& r) { return api->containerLogs(r); });
}

}  // namespace podkeeper::api
