#include "agent/api/attach.h"

#include <strings.h>

#include "agent/api/api_response.h"
#include "agent/api/attach_relay.h"
#include "agent/api/exec_location.h"
#include "runtime/bundle/attach_protocol.h"

namespace podkeeper::api {
namespace {

const manifests::Container* specOf(const manifests::PodSpec& spec, const std::string& name) {
  for (const auto* list : {&spec.containers, &spec.initContainers})
    for (const auto& c : *list)
      if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

http::HttpResponse attachResponse(const status::PodReader& r, const KnownPod& known,
                                  const http::HttpRequest& request,
                                  boost::asio::any_io_executor executor,
                                  const AttachSocketLocator& socketOf) {
  const std::string_view upgrade = request.header("upgrade");
  if (::strncasecmp(upgrade.data(), runtime::kAttachUpgradeProtocol, upgrade.size()) != 0 ||
      upgrade.size() != std::string_view(runtime::kAttachUpgradeProtocol).size()) {
    return statusError(
        400, "BadRequest",
        std::string("attach needs \"Upgrade: ") + runtime::kAttachUpgradeProtocol + "\"");
  }
  auto chosen = runningContainer(r, known, parseQuery(request.query)["container"]);
  if (!chosen) return statusError(400, "BadRequest", chosen.error().message);
  const auto& meta = known.pod.pod.metadata;
  const std::string who = meta.namespace_ + "/" + meta.name + " container " + chosen->name;
  auto relay = AttachRelay::connect(executor, socketOf(known.pod.uid, chosen->name), who);
  if (!relay) {
    return statusError(500, "InternalError",
                       "cannot attach to " + who + ": " + relay.error().message);
  }
  const auto* spec = specOf(known.pod.pod.spec, chosen->name);
  http::HttpResponse response;
  response.status = 101;
  response.headers = {{"Upgrade", runtime::kAttachUpgradeProtocol},
                      {"X-Podkeeper-Container", chosen->name},
                      {"X-Podkeeper-Tty", spec && spec->tty ? "true" : "false"},
                      {"X-Podkeeper-Stdin", spec && spec->stdin ? "true" : "false"}};
  if (!chosen->defaulted.empty())
    response.headers.emplace_back("X-Podkeeper-Defaulted", chosen->defaulted);
  response.upgrade = *relay;
  return response;
}

}  // namespace podkeeper::api
