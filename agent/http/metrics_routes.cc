#include "agent/http/metrics_routes.h"

#include <memory>
#include <string>

#include "metrics/exposition.h"

namespace podkeeper::http {
namespace {

// Renders into a string reserved at the previous body's size, so a steady scrape does not
// regrow its buffer while rendering.
template <class Render>
Handler expositionHandler(Render render) {
  auto lastSize = std::make_shared<size_t>(0);
  return [render, lastSize](const HttpRequest&) {
    HttpResponse r;
    r.contentType = std::string(metrics::kExpositionContentType);
    r.body.reserve(*lastSize + *lastSize / 8);
    render(r.body);
    *lastSize = r.body.size();
    return r;
  };
}

}  // namespace

void addMetricsRoutes(Router& router, metrics::Exporter& exporter,
                      std::vector<const prometheus::Collectable*> agentCollectables,
                      std::function<void()> beforeAgentRender) {
  router.add("GET", "/metrics/cadvisor",
             expositionHandler([&exporter](std::string& out) { exporter.renderCadvisor(out); }));
  router.add("GET", "/metrics/resource",
             expositionHandler([&exporter](std::string& out) { exporter.renderResource(out); }));
  router.add("GET", "/metrics",
             expositionHandler([&exporter, collectables = std::move(agentCollectables),
                                before = std::move(beforeAgentRender)](std::string& out) {
               if (before) before();
               exporter.renderAgent(collectables, out);
             }));
}

}  // namespace podkeeper::http
