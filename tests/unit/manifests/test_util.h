#pragma once

#include <gmock/gmock.h>

#include <string>
#include <vector>

#include "manifests/decode.h"
#include "tests/support/text.h"

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

inline std::string readFile(const std::string& path) { return support::readText(path); }

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

// The names decoder tests use, taken in with `using namespace testing::decoder_names;`: the
// helpers above and the gMock matchers that assertions on diagnostics use.
namespace podkeeper::manifests::testing::decoder_names {

using ::podkeeper::manifests::testing::decode;
using ::podkeeper::manifests::testing::errors;
using ::podkeeper::manifests::testing::kMinimalPod;
using ::podkeeper::manifests::testing::printed;
using ::podkeeper::manifests::testing::readFile;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

}  // namespace podkeeper::manifests::testing::decoder_names
