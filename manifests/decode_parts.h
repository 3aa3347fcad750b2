#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "manifests/pod.h"
#include "manifests/yaml_fields.h"

// The decoders of each part of a Pod. Each reads one YAML subtree into the model, applies
// Kubernetes defaults, and reports type errors and unsupported fields; semantic checks that
// need the whole pod live in validate_*.cc.
namespace podkeeper::manifests::detail {

void decodeObjectMeta(DecodeContext& ctx, const YAML::Node& node, ObjectMeta& out);
void decodePodSpec(DecodeContext& ctx, const YAML::Node& node, PodSpec& out);
void decodeContainer(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                     Container& out);
void decodeResources(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                     ResourceRequirements& out);
std::optional<Probe> decodeProbe(DecodeContext& ctx, const YAML::Node& node,
                                 const std::string& path);
std::optional<Lifecycle> decodeLifecycle(DecodeContext& ctx, const YAML::Node& node,
                                         const std::string& path);
std::optional<SecurityContext> decodeSecurityContext(DecodeContext& ctx, const YAML::Node& node,
                                                     const std::string& path);
std::optional<SeccompProfile> decodeSeccompProfile(DecodeContext& ctx, const YAML::Node& node,
                                                   const std::string& path);
// Kubernetes' default imagePullPolicy (and image volume pullPolicy) for an image reference.
std::string defaultPullPolicy(const std::string& image);
std::optional<SELinuxOptions> decodeSELinuxOptions(DecodeContext& ctx, const YAML::Node& node,
                                                   const std::string& path);
std::optional<AppArmorProfile> decodeAppArmorProfile(DecodeContext& ctx, const YAML::Node& node,
                                                     const std::string& path);
void decodeVolume(DecodeContext& ctx, const YAML::Node& node, const std::string& path, Volume& out);
std::optional<ObjectFieldSelector> decodeFieldRef(DecodeContext& ctx, const YAML::Node& node,
                                                  const std::string& path);
std::optional<ResourceFieldSelector> decodeResourceFieldRef(DecodeContext& ctx,
                                                            const YAML::Node& node,
                                                            const std::string& path);

// The message for fields that name cluster objects (secrets, config maps, service accounts).
std::string noApiServer(const std::string& what);

}  // namespace podkeeper::manifests::detail
