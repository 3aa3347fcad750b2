#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/pod.h"

namespace podkeeper::manifests {

// One problem found in a manifest, printed as
//   FILE:LINE:COLUMN: spec.containers[1].resources.limits.memory: "12QiB" is not a valid quantity
struct Diagnostic {
  enum class Severity { Error, Warning };
  Severity severity = Severity::Error;
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
  std::string field;  // JSON path, e.g. spec.containers[0].image
  std::string message;
  std::string str() const;
};

// A decoded, defaulted and validated pod, with its identity.
struct DecodedPod {
  Pod pod;
  std::string uid;       // metadata.uid, or derived from source path + namespace/name
  std::string specHash;  // canonical, versioned hash of the defaulted spec
  int line = 0;          // where its document starts in the file
};
// One decoding shared by its readers (ManifestSet's snapshots, Reconciler::setDesired).
using SharedPod = std::shared_ptr<const DecodedPod>;

struct DecodeResult {
  std::vector<DecodedPod> pods;  // empty when any error was found in the file
  std::vector<Diagnostic> diagnostics;
  bool ok() const;  // no diagnostic of severity Error
};

// Decodes one file (YAML, possibly several documents separated by ---, or JSON).
// Every problem in the file is reported, not just the first. Pure: no I/O.
DecodeResult decodeManifest(const std::string& file, std::string_view contents);

}  // namespace podkeeper::manifests
