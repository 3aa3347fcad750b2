#pragma once

#include <cstdint>
#include <string>

namespace podkeeper::status {

// A Kubernetes metav1.Time: RFC 3339 in UTC with whole seconds, "2024-05-01T12:00:00Z".
std::string kubeTime(int64_t realtimeNs);

}  // namespace podkeeper::status
