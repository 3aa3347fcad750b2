#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "agent/api/exec_target_loader.h"
#include "agent/api/pod_lookup.h"
#include "common/error.h"

namespace podkeeper::api {

// The container exec and attach act on: `requested`, else kubectl's default (the
// default-container annotation, else the first) with kubectl's note in `defaulted`; it must
// be running.
struct ChosenContainer {
  std::string name;
  std::string defaulted;  // "" when -c was given or the pod has one container
};
Result<ChosenContainer> runningContainer(const status::PodReader& r, const KnownPod& known,
                                         const std::string& requested);

// {"container", "defaulted" (kubectl's note, "" when -c was given or the pod has one
// container), "target"}; the error message is for a 400 answer.
Result<nlohmann::json> execLocation(const status::PodReader& r, const KnownPod& known,
                                    const std::string& requested, const ExecTargetLoader& load);

}  // namespace podkeeper::api
