#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "probe/handler_runner.h"
#include "runtime/container_runtime.h"

// postStart hooks in flight, as state on the loop. The kubelet runs the hook inside
// startContainer, so the pod's next containers wait for it and a failure kills the container
// (event FailedPostStartHook; it restarts per restartPolicy). Here the reconcile that started
// the container returns at once; the pod's later container starts are held while the hook
// runs, and its completion re-queues the pod.
namespace podkeeper::probe {

class PostStartHooks {
 public:
  using EventFn =
      std::function<void(const std::string& key, const std::string& type, const std::string& reason,
                         const std::string& message, const std::string& container)>;

  PostStartHooks(HandlerRunner& runner, std::function<void(const std::string&)> requeue,
                 EventFn event);
  ~PostStartHooks();
  PostStartHooks(const PostStartHooks&) = delete;
  PostStartHooks& operator=(const PostStartHooks&) = delete;

  void start(const std::string& key, const std::string& container, int64_t startedAtNs,
             const HandlerSpec& hook);
  // A hook of this pod is running: its later containers wait.
  bool inFlight(const std::string& uid) const;
  bool running(const std::string& uid, const std::string& container) const;
  // Why the hook of this instance failed (the container must be killed); nullopt otherwise.
  std::optional<std::string> failed(const std::string& uid, const std::string& container,
                                    int64_t startedAtNs) const;
  // Drops what belongs to instances no longer running (a hook still running is cancelled).
  void sync(const std::string& uid, const runtime::SandboxState* observed);

 private:
  struct Hook {
    std::string key;
    int64_t startedAtNs = 0;
    std::optional<HandlerRunner::Id> running;
    std::optional<std::string> failure;
  };
  using Id = std::pair<std::string, std::string>;

  void done(const Id& id, int64_t startedAtNs, HandlerResult r);
  void drop(std::map<Id, Hook>::iterator it);

  HandlerRunner& runner_;
  std::function<void(const std::string&)> requeue_;
  EventFn event_;
  std::map<Id, Hook> hooks_;
};

}  // namespace podkeeper::probe
