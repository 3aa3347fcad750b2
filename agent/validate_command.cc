#include "agent/validate_command.h"

#include "common/json_text.h"
#include "manifests/admission.h"
#include "manifests/decode.h"
#include "manifests/file_rules.h"
#include "manifests/pod_json.h"

namespace podkeeper::agent {

int runValidate(const std::vector<std::string>& files, bool json, std::ostream& out,
                std::ostream& err, const manifests::AdmissionPolicy& policy) {
  bool allValid = !files.empty();
  if (files.empty()) err << "validate: no manifest files given\n";
  nlohmann::json items = nlohmann::json::array();
  for (const std::string& file : files) {
    manifests::ManifestFileRead read = manifests::readManifestFile(file);
    if (!read.error.empty()) {
      err << read.error << "\n";
      allValid = false;
      continue;
    }
    manifests::DecodeResult result = manifests::decodeManifest(file, read.contents);
    for (const auto& d : result.diagnostics) err << d.str() << "\n";
    if (!result.ok()) {
      allValid = false;
      continue;
    }
    bool admitted = true;
    for (const auto& decoded : result.pods) {
      const auto verdict = manifests::admit(decoded.pod, policy);
      for (const auto& p : verdict.problems) {
        manifests::Diagnostic d;
        d.file = file;
        d.line = decoded.line;
        d.field = p.field;
        d.message = p.message + " (" + p.reason + ")";
        err << d.str() << "\n";
      }
      admitted = admitted && verdict.admitted();
    }
    if (!admitted) {
      allValid = false;
      continue;
    }
    for (const auto& decoded : result.pods) {
      nlohmann::json pod = manifests::podToJson(decoded.pod);
      pod["metadata"]["uid"] = decoded.uid;
      pod["metadata"]["annotations"]["podkeeper.io/spec-hash"] = decoded.specHash;
      items.push_back(std::move(pod));
    }
    if (!json) out << file << ": valid, " << result.pods.size() << " pod(s)\n";
  }
  if (json) {
    nlohmann::json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}};
    out << dumpJson(list, 2) << "\n";
  }
  return allValid ? 0 : 1;
}

}  // namespace podkeeper::agent
