#include "reconciler/support.h"

namespace podkeeper::reconciler {

std::vector<std::string> needsHandlers(const manifests::Pod& pod) {
  std::vector<std::string> out;
  auto check = [&](const std::vector<manifests::Container>& list, const std::string& at) {
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& c = list[i];
      const std::string path = at + "[" + std::to_string(i) + "].";
      for (const auto& [field, set] :
           {std::pair{"livenessProbe", c.livenessProbe.has_value()},
            std::pair{"readinessProbe", c.readinessProbe.has_value()},
            std::pair{"startupProbe", c.startupProbe.has_value()},
            std::pair{"lifecycle",
                      c.lifecycle && (c.lifecycle->postStart || c.lifecycle->preStop)}})
        if (set)
          out.push_back(path + field +
                        ": probes and lifecycle hooks need a handler runner, and this reconciler "
                        "has none");
    }
  };
  check(pod.spec.initContainers, "spec.initContainers");
  check(pod.spec.containers, "spec.containers");
  return out;
}

}  // namespace podkeeper::reconciler
