#pragma once

#include <map>
#include <optional>
#include <string>

#include "tests/soak/catalogue.h"

// What the soak wrote into the manifest directory, and from it the pods the agent must run:
// per file its last good pod (a broken edit keeps it), and per namespace/name the file that
// sorts first wins (a duplicate loses). Pure.
namespace podkeeper::soak {

struct ManifestFile {
  std::optional<SoakPod> lastGood;  // none: the file never held a valid pod
  bool broken = false;              // its current content does not decode
};

class ManifestModel {
 public:
  void writeGood(const std::string& file, const SoakPod& pod);
  void writeBroken(const std::string& file);
  void remove(const std::string& file);

  const std::map<std::string, ManifestFile>& files() const { return files_; }
  // The files holding a valid pod now (not broken), by name.
  std::map<std::string, SoakPod> goodFiles() const;
  // name -> the pod the agent must run.
  std::map<std::string, SoakPod> expectedPods() const;

 private:
  std::map<std::string, ManifestFile> files_;  // sorted by file name, as the agent sorts
};

}  // namespace podkeeper::soak
