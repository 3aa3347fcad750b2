#include "agent/http/metrics_routes.h"

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "metrics/exposition.h"

namespace podkeeper::http {
namespace {

// Renders one exposition body. What it needs of the loop's state is taken on the loop
// (`prepare`, at the request); the body (cgroup reads, rendering, gzip) is made by what
// `prepare` returned, off the loop when there is an OffLoop. The string is reserved at the
// previous body's size, so a steady scrape does not regrow its buffer while rendering.
using Render = std::function<void(std::string& out)>;

Handler expositionHandler(std::function<Render()> prepare, OffLoop offLoop) {
  auto lastSize = std::make_shared<std::atomic<size_t>>(0);
  return [prepare = std::move(prepare), offLoop = std::move(offLoop),
          lastSize](const HttpRequest& request) {
    auto make = [render = prepare(), lastSize] {
      HttpResponse r;
      r.contentType = std::string(metrics::kExpositionContentType);
      const size_t last = lastSize->load();
      r.body.reserve(last + last / 8);
      render(r.body);
      lastSize->store(r.body.size());
      return r;
    };
    if (!offLoop) return make();
    HttpResponse later;
    later.deferred = [offLoop, make = std::move(make),
                      acceptEncoding = std::string(request.header("accept-encoding"))](
                         std::function<void(HttpResponse)> reply) {
      auto answer = std::make_shared<HttpResponse>();
      offLoop(
          [answer, make, acceptEncoding] {
            *answer = make();
            encodeIfAccepted(acceptEncoding, *answer);  // the router leaves it as it is
          },
          [answer, reply = std::move(reply)] { reply(std::move(*answer)); });
    };
    return later;
  };
}

}  // namespace

void addMetricsRoutes(Router& router, metrics::Exporter& exporter,
                      std::vector<const prometheus::Collectable*> agentCollectables,
                      std::function<void()> beforeAgentRender, OffLoop offLoop) {
  router.add("GET", "/metrics/cadvisor",
             expositionHandler(
                 [&exporter]() -> Render {
                   return [&exporter, targets = exporter.targets()](std::string& out) {
                     exporter.renderCadvisor(targets, out);
                   };
                 },
                 offLoop));
  router.add("GET", "/metrics/resource",
             expositionHandler(
                 [&exporter]() -> Render {
                   return [&exporter, targets = exporter.targets()](std::string& out) {
                     exporter.renderResource(targets, out);
                   };
                 },
                 offLoop));
  router.add("GET", "/metrics",
             expositionHandler(
                 [&exporter, collectables = std::move(agentCollectables),
                  before = std::move(beforeAgentRender)]() -> Render {
                   if (before) before();
                   // The collectables are thread-safe (prometheus-cpp's registry; the process
                   // collector reads /proc/self, its fd count alone a few milliseconds with
                   // hundreds of pidfds and cgroup fds open): collected with the rest.
                   return [&exporter, collectables,
                           targets = exporter.targets()](std::string& out) {
                     exporter.renderAgent(metrics::Exporter::collect(collectables), targets, out);
                   };
                 },
                 offLoop));
}

}  // namespace podkeeper::http
