#include "manifests/manifest_set.h"

namespace podkeeper::manifests {

DecodeResult ManifestSet::update(const std::string& file, std::string_view contents) {
  DecodeResult result = decodeManifest(file, contents);
  FileState& state = files_[file];
  state.latestErrors.clear();
  if (result.ok()) {
    state.lastGood = result.pods;
  } else {
    // The last good pods keep running (DESIGN.md 4.1); only the errors are new.
    for (const auto& d : result.diagnostics) {
      if (d.severity == Diagnostic::Severity::Error) state.latestErrors.push_back(d);
    }
  }
  return result;
}

void ManifestSet::remove(const std::string& file) { files_.erase(file); }

std::vector<std::string> ManifestSet::files() const {
  std::vector<std::string> out;
  for (const auto& [file, state] : files_) out.push_back(file);
  return out;
}

ManifestSet::Snapshot ManifestSet::snapshot() const {
  Snapshot snap;
  // files_ is ordered by path, so the first file to claim a key is the one that sorts first.
  for (const auto& [file, state] : files_) {
    if (!state.latestErrors.empty()) snap.problems.push_back({file, state.latestErrors});
    for (const auto& pod : state.lastGood) {
      const std::string key = pod.pod.metadata.namespace_ + "/" + pod.pod.metadata.name;
      auto [it, inserted] = snap.sourceOf.emplace(key, file);
      if (inserted) {
        snap.pods.emplace(key, pod);
        continue;
      }
      Diagnostic d;
      d.file = file;
      d.line = pod.line;
      d.field = "metadata.name";
      d.message = "pod " + key + " is also defined in " + it->second +
                  ", which sorts first and wins; this one is ignored";
      snap.duplicates.push_back(std::move(d));
    }
  }
  return snap;
}

}  // namespace podkeeper::manifests
