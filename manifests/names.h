#pragma once

#include <string>
#include <string_view>

// Name rules of the Kubernetes API (k8s.io/apimachinery/pkg/util/validation). Each returns
// an empty string when the value is valid, else why not, ready for a diagnostic.
namespace podkeeper::manifests {

std::string checkDns1123Label(std::string_view v);      // container, volume, namespace names
std::string checkDns1123Subdomain(std::string_view v);  // pod names
std::string checkQualifiedName(std::string_view v);     // label and annotation keys
std::string checkLabelValue(std::string_view v);
std::string checkPortName(std::string_view v);  // IANA_SVC_NAME
std::string checkEnvVarName(std::string_view v);
std::string checkIp(std::string_view v);
std::string checkSysctlName(std::string_view v);
// Relative path without "..": subPath, downward API item paths.
std::string checkRelativePath(std::string_view v);
// Safe as one file name: metadata.uid names directories and cgroups.
std::string checkUid(std::string_view v);

}  // namespace podkeeper::manifests
