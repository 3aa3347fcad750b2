#include "reconciler/image_pulls.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/image_reference.h"

namespace podkeeper::reconciler {
namespace {

// One pull per image however it is spelled: "busybox" and "docker.io/library/busybox:latest"
// are the same pull (a reference that does not parse is its own key; the pull reports it).
std::string pullId(const std::string& image) {
  auto ref = parseImageReference(image);
  return ref ? ref->normalized() : image;
}

}  // namespace

std::string formatPullSeconds(int64_t ns) {
  return fmt::format("{:.3f}s", static_cast<double>(ns) / kNsPerSec);
}

ImagePulls::ImagePulls(ImagePullSource& source, const Clock& clock, Sinks sinks, Policy policy)
    : source_(source), clock_(clock), sinks_(std::move(sinks)), policy_(policy) {}

ImagePulls::Gate ImagePulls::need(const std::string& image, const std::string& key,
                                  const std::string& container) {
  const std::string id = pullId(image);
  Pull& p = pulls_[id];
  if (p.image.empty()) p.image = image;
  const int64_t now = clock_.nowNs();
  auto [it, fresh] = p.waiters.try_emplace(key + "\n" + container);
  Waiter& w = it->second;
  if (fresh) {
    w = Waiter{key, container, p.successes + 1, p.failures, now, false};
    if (p.inFlight)  // it joins a pull under way
      sinks_.event(key, "Normal", "Pulling", "Pulling image \"" + image + "\"", container);
  }
  if (p.successes >= w.neededSuccess) {
    p.waiters.erase(it);
    return {State::Ready, "", std::nullopt};
  }
  if (p.inFlight) return {State::Pulling, "", std::nullopt};
  if (p.failures > w.seenFailures) {
    w.seenFailures = p.failures;
    w.backOffSent = false;
    return {State::ErrImagePull, p.lastError, p.backoffUntilNs};
  }
  if (now < p.backoffUntilNs) {
    const std::string message = "Back-off pulling image \"" + image + "\"";
    if (!w.backOffSent) {
      w.backOffSent = true;
      sinks_.event(key, "Normal", "BackOff", message, container);
    }
    return {State::BackOff, message, p.backoffUntilNs};
  }
  start(id, p);
  return {State::Pulling, "", std::nullopt};
}

void ImagePulls::start(const std::string& id, Pull& p) {
  const std::string& image = p.image;
  p.inFlight = true;
  p.startedNs = clock_.nowNs();
  for (auto& [id, w] : p.waiters) {
    w.neededSuccess = p.successes + 1;  // only a pull that starts now satisfies it
    sinks_.event(w.key, "Normal", "Pulling", "Pulling image \"" + image + "\"", w.container);
  }
  source_.pull(image, [this, alive = alive_, id](Result<PulledImage> r) {
    if (*alive) finished(id, std::move(r));
  });
}

void ImagePulls::finished(const std::string& id, Result<PulledImage> result) {
  auto found = pulls_.find(id);
  if (found == pulls_.end()) return;
  Pull& p = found->second;
  const std::string& image = p.image;
  const int64_t now = clock_.nowNs();
  p.inFlight = false;
  const int64_t took = now - p.startedNs;
  if (sinks_.finished)
    sinks_.finished(double(took) / kNsPerSec, result ? nullptr : &result.error());
  if (result) {
    ++p.successes;
    p.backoffNs = 0;
    p.backoffUntilNs = 0;
    p.lastError.clear();
  } else {
    ++p.failures;
    p.backoffNs =
        p.backoffNs ? std::min(2 * p.backoffNs, policy_.maxBackoffNs) : policy_.initialBackoffNs;
    p.backoffUntilNs = now + p.backoffNs;
    p.lastError = result.error().message;
  }
  for (const auto& [id, w] : p.waiters) {
    if (result)
      sinks_.event(w.key, "Normal", "Pulled",
                   "Successfully pulled image \"" + image + "\" in " + formatPullSeconds(took) +
                       " (" + formatPullSeconds(now - std::max(w.sinceNs, int64_t(0))) +
                       " including waiting). Image size: " + std::to_string(result->sizeBytes) +
                       " bytes.",
                   w.container);
    else
      sinks_.event(w.key, "Warning", "Failed",
                   "Failed to pull image \"" + image + "\": " + p.lastError, w.container);
  }
  std::set<std::string> keys;
  for (const auto& [id, w] : p.waiters) keys.insert(w.key);
  for (const auto& k : keys) sinks_.requeue(k);
}

void ImagePulls::forget(const std::string& key) {
  for (auto& [image, p] : pulls_)
    std::erase_if(p.waiters, [&](const auto& e) { return e.second.key == key; });
}

}  // namespace podkeeper::reconciler
