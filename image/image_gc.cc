#include "image/image_gc.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>

#include "image/store/image_store.h"
#include "image/store_image_service.h"

namespace podkeeper::image {

std::vector<std::string> planImageGc(const FsUsage& usage, const ImageGcPolicy& policy,
                                     std::vector<ImageRecord> images,
                                     const std::set<std::string>& inUse) {
  if (usage.capacityBytes == 0 || policy.highThresholdPercent >= 100) return {};
  const uint64_t used = usage.capacityBytes - std::min(usage.availableBytes, usage.capacityBytes);
  const uint64_t usagePercent = used * 100 / usage.capacityBytes;
  if (usagePercent < static_cast<uint64_t>(policy.highThresholdPercent)) return {};
  const uint64_t target =
      usage.capacityBytes * static_cast<uint64_t>(policy.lowThresholdPercent) / 100;
  if (used <= target) return {};
  const uint64_t toFree = used - target;
  std::stable_sort(images.begin(), images.end(), [](const ImageRecord& a, const ImageRecord& b) {
    return a.lastUsed != b.lastUsed ? a.lastUsed < b.lastUsed : a.created < b.created;
  });
  std::vector<std::string> out;
  uint64_t freed = 0;
  for (const auto& i : images) {
    if (freed >= toFree) break;
    if (inUse.contains(i.reference)) continue;
    out.push_back(i.reference);
    freed += static_cast<uint64_t>(std::max<int64_t>(i.size, 0));
  }
  return out;
}

Result<FsUsage> filesystemUsage(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return failSys(errno, "statvfs " + path);
  return FsUsage{uint64_t{st.f_blocks} * st.f_frsize, uint64_t{st.f_bavail} * st.f_frsize};
}

Result<ImageGcResult> collectImageGarbage(ImageStore& store, StoreImageService& service,
                                          const ImageGcPolicy& policy,
                                          const std::set<std::string>& inUse) {
  ImageGcResult out;
  auto swept = store.sweep();
  if (!swept) return fail(swept.error());
  out.swept = *swept;
  if (auto r = service.flushLastUsed(); !r) return fail(r.error());
  auto images = store.list();
  if (!images) return fail(images.error());
  auto usage = filesystemUsage(store.root());
  if (!usage) return fail(usage.error());
  const auto doomed = planImageGc(*usage, policy, *images, inUse);
  if (!doomed.empty()) {
    auto removed = store.remove(doomed);
    if (!removed) return fail(removed.error());
    for (const auto& ref : doomed)  // in the plan's order
      if (std::find(removed->removedImages.begin(), removed->removedImages.end(), ref) !=
          removed->removedImages.end())
        out.removed.push_back(ref);
    images = store.list();
    if (!images) return fail(images.error());
  }
  out.images = images->size();
  for (const auto& i : *images) out.storeBytes += i.size;
  return out;
}

}  // namespace podkeeper::image
