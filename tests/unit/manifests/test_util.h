#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "manifests/decode.h"

namespace podkeeper::manifests::testing {

inline DecodeResult decode(const std::string& yaml, const std::string& file = "pod.yaml") {
  return decodeManifest(file, yaml);
}

// Every diagnostic as printed, errors and warnings.
inline std::vector<std::string> printed(const DecodeResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) out.push_back(d.str());
  return out;
}

inline std::vector<std::string> errors(const DecodeResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) {
    if (d.severity == Diagnostic::Severity::Error) out.push_back(d.str());
  }
  return out;
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A valid pod to start from; tests append or replace lines.
inline const char* kMinimalPod = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: busybox:1.36
)";

}  // namespace podkeeper::manifests::testing
