#include "runtime/image/local_image_service.h"

#include <cerrno>

#include "runtime/image/image_store.h"

namespace podkeeper::runtime {

Result<ResolvedImage> LocalImageService::resolve(const std::string& imageRef) {
  auto rootfs = findImageRootfs(imageDir_, imageRef);
  if (!rootfs) return fail(Error{ENOENT, rootfs.error().message});
  auto user = readImageUser(*rootfs);
  if (!user) return fail(user.error());
  const std::string image = "image \"" + imageRef + "\"";
  auto passwd = readImageFile(*rootfs, "etc/passwd");
  if (!passwd) return fail(passwd.error().context(image));
  auto group = readImageFile(*rootfs, "etc/group");
  if (!group) return fail(group.error().context(image));
  return ResolvedImage{{*rootfs}, *user, parsePasswd(*passwd), parseGroup(*group)};
}

}  // namespace podkeeper::runtime
