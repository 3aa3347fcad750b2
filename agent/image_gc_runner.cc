#include "agent/image_gc_runner.h"

#include <spdlog/spdlog.h>

#include "common/image_reference.h"

namespace podkeeper::agent {

std::set<std::string> imagesInUse(const status::PodReader& pods) {
  std::set<std::string> out;
  auto add = [&](const std::string& image) {
    if (auto ref = parseImageReference(image)) out.insert(ref->normalized());
  };
  for (const auto& [key, pod] : pods.desired()) {
    for (const auto& c : pod.pod.spec.initContainers) add(c.image);
    for (const auto& c : pod.pod.spec.containers) add(c.image);
    for (const auto& v : pod.pod.spec.volumes)
      if (v.image) add(v.image->reference);  // an image volume's layers are mounted
  }
  for (const auto* sandbox : pods.observedSandboxes())
    for (const auto& c : sandbox->containers) add(c.image);
  return out;
}

ImageGcRunner::ImageGcRunner(boost::asio::io_context& io, image::ImageStore& store,
                             image::StoreImageService& service, image::ImageGcPolicy policy,
                             prometheus::Registry& registry)
    : store_(store),
      service_(service),
      policy_(policy),
      images_(prometheus::BuildGauge()
                  .Name("podkeeper_images")
                  .Help("Images in the image store.")
                  .Register(registry)
                  .Add({})),
      bytes_(prometheus::BuildGauge()
                 .Name("podkeeper_image_store_bytes")
                 .Help("Bytes of the blobs of the images in the image store.")
                 .Register(registry)
                 .Add({})),
      worker_(io, 1) {}

void ImageGcRunner::run(std::set<std::string> inUse) { pass(std::move(inUse), policy_, {}); }

void ImageGcRunner::removeUnused(std::set<std::string> inUse, std::function<void()> done) {
  if (running_) {
    if (done) done();
    return;
  }
  pass(std::move(inUse), image::ImageGcPolicy{0, 0}, std::move(done));
}

void ImageGcRunner::pass(std::set<std::string> inUse, image::ImageGcPolicy policy,
                         std::function<void()> done) {
  if (running_) return;
  running_ = true;
  worker_.run([this, inUse = std::move(inUse),
               policy] { return image::collectImageGarbage(store_, service_, policy, inUse); },
              [this, policy, done = std::move(done)](Result<image::ImageGcResult> r) {
                running_ = false;
                if (done) done();
                if (!r) {
                  spdlog::warn("image GC: {}", r.error().message);
                  return;
                }
                if (const auto& s = r->swept; s.blobs + s.snapshots + s.partial > 0)
                  spdlog::info(
                      "image GC: swept {} blobs, {} snapshots and {} half-written files that "
                      "failed pulls left",
                      s.blobs, s.snapshots, s.partial);
                for (const auto& ref : r->removed)
                  spdlog::info("image GC: removed image {} (image filesystem above {}%)", ref,
                               policy.highThresholdPercent);
                images_.Set(static_cast<double>(r->images));
                bytes_.Set(static_cast<double>(r->storeBytes));
              });
}

}  // namespace podkeeper::agent
