#include "probe/post_start.h"

#include <spdlog/spdlog.h>

namespace podkeeper::probe {

PostStartHooks::PostStartHooks(HandlerRunner& runner,
                               std::function<void(const std::string&)> requeue, EventFn event)
    : runner_(runner), requeue_(std::move(requeue)), event_(std::move(event)) {}

PostStartHooks::~PostStartHooks() {
  for (auto& [id, h] : hooks_)
    if (h.running) runner_.cancel(*h.running);
}

void PostStartHooks::start(const std::string& key, const std::string& container,
                           int64_t startedAtNs, const HandlerSpec& hook) {
  const Id id{hook.sandboxUid, container};
  if (auto it = hooks_.find(id); it != hooks_.end()) drop(it);
  Hook& h = hooks_[id];
  h.key = key;
  h.startedAtNs = startedAtNs;
  h.running = runner_.start(
      hook, [this, id, startedAtNs](HandlerResult r) { done(id, startedAtNs, std::move(r)); });
}

void PostStartHooks::done(const Id& id, int64_t startedAtNs, HandlerResult r) {
  auto it = hooks_.find(id);
  if (it == hooks_.end() || it->second.startedAtNs != startedAtNs) return;
  Hook& h = it->second;
  h.running.reset();
  if (r.outcome == HandlerOutcome::Failure || r.outcome == HandlerOutcome::Error) {
    h.failure = "PostStartHook failed: " + r.message;
    while (!h.failure->empty() && h.failure->back() == '\n') h.failure->pop_back();
    spdlog::warn("pod {}: container {}: {}", h.key, id.second, *h.failure);
    if (event_) event_(h.key, "Warning", "FailedPostStartHook", *h.failure, id.second);
  }
  if (requeue_) requeue_(h.key);
}

bool PostStartHooks::inFlight(const std::string& uid) const {
  for (const auto& [id, h] : hooks_)
    if (id.first == uid && h.running) return true;
  return false;
}

bool PostStartHooks::running(const std::string& uid, const std::string& container) const {
  auto it = hooks_.find({uid, container});
  return it != hooks_.end() && it->second.running.has_value();
}

std::optional<std::string> PostStartHooks::failed(const std::string& uid,
                                                  const std::string& container,
                                                  int64_t startedAtNs) const {
  auto it = hooks_.find({uid, container});
  if (it == hooks_.end() || it->second.startedAtNs != startedAtNs) return std::nullopt;
  return it->second.failure;
}

void PostStartHooks::drop(std::map<Id, Hook>::iterator it) {
  if (it->second.running) runner_.cancel(*it->second.running);
  hooks_.erase(it);
}

void PostStartHooks::sync(const std::string& uid, const runtime::SandboxState* observed) {
  for (auto it = hooks_.begin(); it != hooks_.end();) {
    auto next = std::next(it);
    if (it->first.first == uid) {
      bool alive = false;
      if (observed)
        for (const auto& c : observed->containers)
          if (c.name == it->first.second && c.running && c.startedAtNs == it->second.startedAtNs)
            alive = true;
      if (!alive) drop(it);
    }
    it = next;
  }
}

}  // namespace podkeeper::probe
