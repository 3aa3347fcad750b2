#include <set>

#include "common/image_reference.h"
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

void validateMode(int32_t mode, const std::string& field, Reporter& r) {
  if (mode < 0 || mode > 0777) r.error(field, "must be between 0 and 0777 (octal)");
}

// paths: those of the volume so far (a projected volume's sources share one directory).
void validateDownwardAPIItems(const std::vector<DownwardAPIVolumeFile>& items, const PodSpec& spec,
                              const std::string& field, std::set<std::string>& paths, Reporter& r) {
  for (size_t i = 0; i < items.size(); ++i) {
    const DownwardAPIVolumeFile& f = items[i];
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
    if (f.mode) validateMode(*f.mode, item + ".mode", r);
  }
}

void validateDownwardAPI(const DownwardAPIVolumeSource& d, const PodSpec& spec,
                         const std::string& field, Reporter& r) {
  validateMode(d.defaultMode, field + ".defaultMode", r);
  std::set<std::string> paths;
  validateDownwardAPIItems(d.items, spec, field, paths, r);
}

void validateProjected(const ProjectedVolumeSource& p, const PodSpec& spec,
                       const std::string& field, Reporter& r) {
  validateMode(p.defaultMode, field + ".defaultMode", r);
  std::set<std::string> paths;
  for (size_t i = 0; i < p.sources.size(); ++i) {
    const std::string source = at(field + ".sources", i);
    if (!p.sources[i].downwardAPI) {
      r.error(source, "a projection source is required (downwardAPI)");
      continue;
    }
    validateDownwardAPIItems(p.sources[i].downwardAPI->items, spec, source + ".downwardAPI", paths,
                             r);
  }
}

// The API server's validateImageVolumeSource.
void validateImageVolume(const ImageVolumeSource& image, const std::string& field, Reporter& r) {
  if (image.reference.empty()) {
    r.error(field + ".reference", "Required value");
  } else if (auto ref = parseImageReference(image.reference); !ref) {
    r.error(field + ".reference", ref.error().message);
  }
  if (image.pullPolicy != "Always" && image.pullPolicy != "IfNotPresent" &&
      image.pullPolicy != "Never") {
    r.error(field + ".pullPolicy",
            "Unsupported value: " + quote(image.pullPolicy) +
                ": supported values: \"Always\", \"IfNotPresent\", \"Never\"");
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
    int sources = v.emptyDir.has_value() + v.hostPath.has_value() + v.downwardAPI.has_value() +
                  v.projected.has_value() + v.image.has_value();
    if (sources != 1) {
      r.error(field, sources == 0 ? "a volume source is required (emptyDir, hostPath, "
                                    "downwardAPI, projected or image)"
                                  : "must have exactly one volume source");
    }
    if (v.image) validateImageVolume(*v.image, field + ".image", r);
    if (v.emptyDir && !v.emptyDir->medium.empty() && v.emptyDir->medium != "Memory") {
      r.error(field + ".emptyDir.medium",
              quote(v.emptyDir->medium) + " is not supported (\"\" or Memory)");
    }
    if (v.hostPath) validateHostPath(*v.hostPath, field + ".hostPath", r);
    if (v.downwardAPI) validateDownwardAPI(*v.downwardAPI, spec, field + ".downwardAPI", r);
    if (v.projected) validateProjected(*v.projected, spec, field + ".projected", r);
  }
}

}  // namespace podkeeper::manifests
