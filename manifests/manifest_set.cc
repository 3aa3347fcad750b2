#include "manifests/manifest_set.h"

namespace podkeeper::manifests {
namespace {

std::vector<SharedPod> shared(const std::vector<DecodedPod>& pods) {
  std::vector<SharedPod> out;
  out.reserve(pods.size());
  for (const auto& pod : pods) out.push_back(std::make_shared<const DecodedPod>(pod));
  return out;
}

}  // namespace

DecodeResult ManifestSet::update(const std::string& file, std::string_view contents) {
  return apply(file, decodeManifest(file, contents));
}

DecodeResult ManifestSet::apply(const std::string& file, DecodeResult result) {
  FileState& state = files_[file];
  state.latestErrors.clear();
  if (result.ok()) {
    state.lastGood = shared(result.pods);
  } else {
    // The last good pods keep running; only the errors are new (docs/architecture.md).
    for (const auto& d : result.diagnostics) {
      if (d.severity == Diagnostic::Severity::Error) state.latestErrors.push_back(d);
    }
  }
  return result;
}

void ManifestSet::remove(const std::string& file) { files_.erase(file); }

bool ManifestSet::hasLastGood(const std::string& file) const {
  auto it = files_.find(file);
  return it != files_.end() && !it->second.lastGood.empty();
}

bool ManifestSet::restoreLastGood(const std::string& file, std::string_view contents) {
  DecodeResult result = decodeManifest(file, contents);
  if (!result.ok()) return false;
  files_[file].lastGood = shared(result.pods);
  return true;
}

std::vector<std::string> ManifestSet::files() const {
  std::vector<std::string> out;
  for (const auto& [file, state] : files_) out.push_back(file);
  return out;
}

namespace {

Diagnostic conflict(const std::string& file, const DecodedPod& pod, const std::string& field,
                    const std::string& message) {
  Diagnostic d;
  d.file = file;
  d.line = pod.line;
  d.field = field;
  d.message = message + ", which sorts first and wins; this one is ignored";
  return d;
}

}  // namespace

ManifestSet::Snapshot ManifestSet::snapshot() const {
  Snapshot snap;
  // The uid names the pod's state, cgroups and logs: two pods must never share one.
  std::map<std::string, std::pair<std::string, std::string>> uidOwner;  // uid -> key, file
  // files_ is ordered by path, so the first file to claim a key is the one that sorts first.
  for (const auto& [file, state] : files_) {
    if (!state.latestErrors.empty()) snap.problems.push_back({file, state.latestErrors});
    for (const auto& one : state.lastGood) {
      const DecodedPod& pod = *one;
      const std::string key = pod.pod.metadata.namespace_ + "/" + pod.pod.metadata.name;
      if (auto it = snap.sourceOf.find(key); it != snap.sourceOf.end()) {
        snap.duplicates.push_back(conflict(file, pod, "metadata.name",
                                           "pod " + key + " is also defined in " + it->second));
        continue;
      }
      if (auto it = uidOwner.find(pod.uid); it != uidOwner.end()) {
        snap.duplicates.push_back(conflict(file, pod, "metadata.uid",
                                           "uid " + pod.uid + " of pod " + key +
                                               " is also the uid of pod " + it->second.first +
                                               " in " + it->second.second));
        continue;
      }
      snap.sourceOf.emplace(key, file);
      uidOwner.emplace(pod.uid, std::pair{key, file});
      snap.pods.emplace(key, one);
    }
  }
  return snap;
}

}  // namespace podkeeper::manifests
