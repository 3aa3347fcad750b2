// Images for container starts, as the kubelet's image manager: the pull policy, one pull per
// image (ImagePulls), and the waiting reasons ErrImagePull and ImagePullBackOff.
#include <spdlog/spdlog.h>

#include <cerrno>

#include "reconciler/reconciler.h"

namespace podkeeper::reconciler {
namespace {

// How often a container waiting with ErrImageNeverPull looks for its image again (an import
// or a directory image made meanwhile): the kubelet's pod sync period.
constexpr int64_t kImageNeverPullRecheckNs = 10 * kNsPerSec;

}  // namespace

void Reconciler::initImagePulls() {
  if (!pullSource_) return;
  ImagePulls::Sinks sinks;
  sinks.event = [this](const std::string& key, const std::string& type, const std::string& reason,
                       const std::string& message, const std::string& container) {
    if (type == "Warning")
      spdlog::warn("pod {} container {}: {}", key, container, message);
    else if (reason != "BackOff")
      spdlog::info("pod {} container {}: {}", key, container, message);
    event(key, type, reason, message, container);
  };
  sinks.requeue = [this](const std::string& key) {
    if (hooks_.requeue) hooks_.requeue(key);
  };
  sinks.finished = [this](double seconds, const Error* failure) {
    if (hooks_.imagePulled) hooks_.imagePulled(seconds, failure);
  };
  pulls_ = std::make_unique<ImagePulls>(*pullSource_, clock_, std::move(sinks));
}

Result<std::optional<runtime::ResolvedImage>> Reconciler::imageForStart(
    const std::string& key, const std::string& uid, const manifests::Container& c) {
  auto& waiting = pods_[uid].imageWaiting;
  const std::string where = "pod " + key + " container " + c.name;
  // A directory image is never pulled; without a pull source nothing is.
  const bool pullable = pulls_ && !pullSource_->isLocal(c.image) && c.imagePullPolicy != "Never";
  if (!pullable || c.imagePullPolicy != "Always") {
    auto image = images_.resolve(c.image);
    if (image) {
      waiting.erase(c.name);
      return std::optional(std::move(*image));
    }
    if (image.error().code == ENOENT && !pullable) {
      // Not on the node and not to be pulled: the kubelet's ErrImageNeverPull, a waiting reason
      // (not a failed sync), looked at again as the kubelet's sync loop would.
      if (waiting[c.name] != "ErrImageNeverPull") {
        std::string message = image.error().message;
        if (c.imagePullPolicy == "Never")
          message = "Container image \"" + c.image + "\" is not present with pull policy of Never";
        spdlog::warn("pod {} container {}: {} (waiting: ErrImageNeverPull)", key, c.name, message);
        event(key, "Warning", "ErrImageNeverPull", message, c.name);
        waiting[c.name] = "ErrImageNeverPull";
      }
      const int64_t recheck = clock_.nowNs() + kImageNeverPullRecheckNs;
      if (!imageRecheckAtNs_ || recheck < *imageRecheckAtNs_) imageRecheckAtNs_ = recheck;
      return std::optional<runtime::ResolvedImage>();
    }
    if (image.error().code != ENOENT) {  // there but unreadable
      event(key, "Warning", "Failed", image.error().message, c.name);
      return fail(image.error().context(where));
    }
  }
  const ImagePulls::Gate gate = pulls_->need(c.image, key, c.name);
  if (gate.retryAtNs && (!imageRecheckAtNs_ || *gate.retryAtNs < *imageRecheckAtNs_))
    imageRecheckAtNs_ = gate.retryAtNs;
  switch (gate.state) {
    case ImagePulls::State::Pulling:
      return std::optional<runtime::ResolvedImage>();
    case ImagePulls::State::ErrImagePull:
      waiting[c.name] = "ErrImagePull";
      return std::optional<runtime::ResolvedImage>();
    case ImagePulls::State::BackOff:
      waiting[c.name] = "ImagePullBackOff";
      return std::optional<runtime::ResolvedImage>();
    case ImagePulls::State::Ready:
      break;
  }
  auto image = images_.resolve(c.image);
  if (!image) {
    event(key, "Warning", "Failed", image.error().message, c.name);
    return fail(image.error().context(where));
  }
  waiting.erase(c.name);
  return std::optional(std::move(*image));
}

Result<std::optional<std::map<std::string, std::vector<std::string>>>>
Reconciler::imageVolumesForStart(const manifests::DecodedPod& pod, const std::string& key,
                                 const manifests::Container& c) {
  std::map<std::string, std::vector<std::string>> layers;
  for (const auto& mount : c.volumeMounts) {
    for (const auto& v : pod.pod.spec.volumes) {
      if (v.name != mount.name || !v.image || layers.count(v.name)) continue;
      // Pulled and resolved as the container's own image is, under the container's name (its
      // waiting reason shows the pull), with the volume's pullPolicy.
      manifests::Container asImage;
      asImage.name = c.name;
      asImage.image = v.image->reference;
      asImage.imagePullPolicy = v.image->pullPolicy;
      auto image = imageForStart(key, pod.uid, asImage);
      if (!image) return fail(image.error().context("image volume \"" + v.name + "\""));
      if (!*image) return std::optional<std::map<std::string, std::vector<std::string>>>();
      layers[v.name] = (*image)->layers;
    }
  }
  return std::optional(std::move(layers));
}

}  // namespace podkeeper::reconciler
