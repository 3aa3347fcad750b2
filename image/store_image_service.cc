#include "image/store_image_service.h"

#include <sys/stat.h>

#include <cerrno>

#include "common/image_reference.h"
#include "image/oci/image_config.h"
#include "runtime/image/image_store.h"
#include "runtime/image/image_user.h"
#include "runtime/sys/atomic_file.h"

namespace podkeeper::image {
namespace {

// The process defaults of an image config, with its StopSignal as a number.
Result<void> applyConfig(const ImageConfig& c, const std::string& image,
                         runtime::ResolvedImage& out) {
  out.user = c.user;
  out.entrypoint = c.entrypoint;
  out.cmd = c.cmd;
  out.env = c.env;
  out.workingDir = c.workingDir;
  if (!c.stopSignal.empty()) {
    auto sig = parseStopSignal(c.stopSignal);
    if (!sig) return fail(sig.error().context("image " + image));
    out.stopSignal = *sig;
  }
  return {};
}

// A file of the image from the top-most layer that has it ("" when none does; a whiteout or
// anything but a file ends the search, as the merged view would hide what is below).
std::string layeredFile(const std::vector<std::string>& layers, const std::string& path) {
  for (const auto& layer : layers) {
    struct stat st {};
    if (::lstat((layer + "/" + path).c_str(), &st) != 0) continue;
    auto text = runtime::readImageFile(layer, path);
    return text ? *text : std::string();
  }
  return {};
}

}  // namespace

Result<runtime::ResolvedImage> resolvedFromStore(const ImageStore& store,
                                                 const StoredImage& image) {
  runtime::ResolvedImage out;
  out.layers = store.lowerDirs(image);
  if (auto ref = parseImageReference(image.record.reference))
    out.imageId = ref->name() + "@" + image.record.manifestDigest;
  if (auto r = applyConfig(image.config, image.record.reference, out); !r) return fail(r.error());
  out.passwd = runtime::parsePasswd(layeredFile(out.layers, "etc/passwd"));
  out.groups = runtime::parseGroup(layeredFile(out.layers, "etc/group"));
  return out;
}

Result<runtime::ResolvedImage> StoreImageService::resolveDirectory(const std::string& rootfs,
                                                                   const std::string& imageRef) {
  const std::string image = "image \"" + imageRef + "\"";
  runtime::ResolvedImage out;
  out.layers = {rootfs};
  const std::string configPath = rootfs + "/../config.json";
  auto text = runtime::readWholeFile(configPath);
  if (text) {
    if (text->size() > runtime::kMaxImageConfigBytes)
      return fail(Error{EFBIG, image + ": " + configPath + " is too large"});
    auto config = parseImageConfig(*text, configPath, false);
    if (!config) return fail(config.error());
    if (auto r = applyConfig(*config, imageRef, out); !r) return fail(r.error());
  } else if (text.error().code != ENOENT) {
    return fail(text.error().context(image));
  }
  auto passwd = runtime::readImageFile(rootfs, "etc/passwd");
  if (!passwd) return fail(passwd.error().context(image));
  auto group = runtime::readImageFile(rootfs, "etc/group");
  if (!group) return fail(group.error().context(image));
  out.passwd = runtime::parsePasswd(*passwd);
  out.groups = runtime::parseGroup(*group);
  return out;
}

Result<runtime::ResolvedImage> StoreImageService::resolve(const std::string& imageRef) {
  if (auto rootfs = runtime::findImageRootfs(imageDir_, imageRef))
    return resolveDirectory(*rootfs, imageRef);
  auto ref = parseImageReference(imageRef);
  if (!ref) return fail(Error{ENOENT, ref.error().message});
  const std::string name = ref->normalized();
  auto found = store_.find(name);
  if (!found) return fail(found.error());
  if (!*found)
    return fail(Error{ENOENT, "image \"" + imageRef + "\" not found (no directory " + imageDir_ +
                                  "/NAME/TAG/rootfs and nothing in the store for " + name + ")"});
  auto out = resolvedFromStore(store_, **found);
  if (!out) return fail(out.error());
  std::lock_guard lock(mutex_);
  used_[name] = clock_.nowNs() / kNsPerSec;
  return out;
}

Result<void> StoreImageService::flushLastUsed() {
  std::map<std::string, int64_t> used;
  {
    std::lock_guard lock(mutex_);
    used.swap(used_);
  }
  return store_.markUsed(used);
}

}  // namespace podkeeper::image
