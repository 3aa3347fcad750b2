#include <set>

#include "manifests/names.h"
#include "manifests/validate.h"
#include "manifests/validate_common.h"

namespace podkeeper::manifests {
namespace {

void validateHostPath(const HostPathVolumeSource& h, const std::string& field, Reporter& r) {
  static const std::set<std::string> kTypes{
      "",       "DirectoryOrCreate", "Directory",  "FileOrCreate", "File",
      "Socket", "CharDevice",        "BlockDevice"};
  if (h.path.empty()) {
    r.error(field + ".path", "is required");
  } else if (h.path.front() != '/') {
    r.error(field + ".path", quote(h.path) + " must be an absolute path");
  } else if (!checkRelativePath(h.path.substr(1)).empty()) {
    r.error(field + ".path", quote(h.path) + " must not contain '..'");
  }
  if (!kTypes.count(h.type)) {
    r.error(field + ".type", quote(h.type) +
                                 " is not one of \"\", DirectoryOrCreate, Directory, "
                                 "FileOrCreate, File, Socket, CharDevice, BlockDevice");
  }
}

void validateDownwardAPI(const DownwardAPIVolumeSource& d, const PodSpec& spec,
                         const std::string& field, Reporter& r) {
  if (d.defaultMode < 0 || d.defaultMode > 0777) {
    r.error(field + ".defaultMode", "must be between 0 and 0777 (octal)");
  }
  std::set<std::string> paths;
  for (size_t i = 0; i < d.items.size(); ++i) {
    const DownwardAPIVolumeFile& f = d.items[i];
    const std::string item = at(field + ".items", i);
    if (f.path.empty()) {
      r.error(item + ".path", "is required");
    } else if (auto why = checkRelativePath(f.path); !why.empty()) {
      r.error(item + ".path", quote(f.path) + " " + why);
    } else if (!paths.insert(f.path).second) {
      r.error(item + ".path", quote(f.path) + " is used by another item");
    }
    if (f.fieldRef.has_value() == f.resourceFieldRef.has_value()) {
      r.error(item, "exactly one of fieldRef and resourceFieldRef is required");
    }
    if (f.fieldRef) checkFieldRef(*f.fieldRef, true, item + ".fieldRef", r);
    if (f.resourceFieldRef) {
      checkResourceFieldRef(*f.resourceFieldRef, spec, true, item + ".resourceFieldRef", r);
    }
    if (f.mode && (*f.mode < 0 || *f.mode > 0777)) {
      r.error(item + ".mode", "must be between 0 and 0777 (octal)");
    }
  }
}

}  // namespace

void validateVolumes(const PodSpec& spec, Reporter& r) {
  std::set<std::string> names;
  for (size_t i = 0; i < spec.volumes.size(); ++i) {
    const Volume& v = spec.volumes[i];
    const std::string field = at("spec.volumes", i);
    if (auto why = checkDns1123Label(v.name); !why.empty()) {
      r.error(field + ".name", quote(v.name) + " " + why);
    } else if (!names.insert(v.name).second) {
      r.error(field + ".name", quote(v.name) + " is already used by another volume");
    }
    int sources = v.emptyDir.has_value() + v.hostPath.has_value() + v.downwardAPI.has_value();
    if (sources != 1) {
      r.error(field, sources == 0
                         ? "a volume source is required (emptyDir, hostPath or downwardAPI)"
                         : "must have exactly one volume source");
    }
    if (v.emptyDir && !v.emptyDir->medium.empty() && v.emptyDir->medium != "Memory") {
      r.error(field + ".emptyDir.medium",
              quote(v.emptyDir->medium) + " is not supported (\"\" or Memory)");
    }
    if (v.hostPath) validateHostPath(*v.hostPath, field + ".hostPath", r);
    if (v.downwardAPI) validateDownwardAPI(*v.downwardAPI, spec, field + ".downwardAPI", r);
  }
}

}  // namespace podkeeper::manifests
