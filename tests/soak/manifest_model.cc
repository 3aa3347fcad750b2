#include "tests/soak/manifest_model.h"

namespace podkeeper::soak {

void ManifestModel::writeGood(const std::string& file, const SoakPod& pod) {
  files_[file] = ManifestFile{pod, false};
}

void ManifestModel::writeBroken(const std::string& file) { files_[file].broken = true; }

void ManifestModel::remove(const std::string& file) { files_.erase(file); }

std::map<std::string, SoakPod> ManifestModel::goodFiles() const {
  std::map<std::string, SoakPod> out;
  for (const auto& [name, f] : files_)
    if (f.lastGood && !f.broken) out.emplace(name, *f.lastGood);
  return out;
}

std::map<std::string, SoakPod> ManifestModel::expectedPods() const {
  std::map<std::string, SoakPod> out;
  for (const auto& [name, f] : files_)
    if (f.lastGood) out.emplace(f.lastGood->name, *f.lastGood);  // the first file wins
  return out;
}

}  // namespace podkeeper::soak
