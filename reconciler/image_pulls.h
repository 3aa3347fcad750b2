#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/clock.h"
#include "common/error.h"

// The kubelet's image pulls for the reconciler: one pull per image however many containers
// wait for it, the Pulling / Pulled / Failed / BackOff events on every waiting pod, and the
// per-image back-off after a failure (10 s doubling to 300 s, as the kubelet's image puller).
// A state machine on the loop: the pull itself runs elsewhere (ImagePullSource) and its result
// comes back on the loop through finished(). No threads, no I/O, no real time.
namespace podkeeper::reconciler {

struct PulledImage {
  std::string digest;     // the manifest the reference resolved to
  int64_t sizeBytes = 0;  // the image's blobs (the "Image size" of the Pulled event)
};

// Where pulls come from. The agent's runs the registry client on BackgroundWork; tests fake it.
class ImagePullSource {
 public:
  virtual ~ImagePullSource() = default;
  // A directory image (<image-dir>/NAME/TAG/rootfs): never pulled, whatever the policy says.
  virtual bool isLocal(const std::string& image) const = 0;
  // Starts pulling `image` off the loop; `done` is called later on the loop thread.
  virtual void pull(const std::string& image, std::function<void(Result<PulledImage>)> done) = 0;
};

class ImagePulls {
 public:
  struct Policy {
    int64_t initialBackoffNs = 10 * kNsPerSec;
    int64_t maxBackoffNs = 300 * kNsPerSec;
  };
  // What the waiting containers' pods learn: events, and that they should be reconciled again.
  struct Sinks {
    std::function<void(const std::string& key, const std::string& type, const std::string& reason,
                       const std::string& message, const std::string& container)>
        event;
    std::function<void(const std::string& key)> requeue;
    // A pull ended: seconds it took and "" or the failure (metrics).
    std::function<void(double seconds, const Error* failure)> finished = {};
  };
  ImagePulls(ImagePullSource& source, const Clock& clock, Sinks sinks)
      : ImagePulls(source, clock, std::move(sinks), Policy{}) {}
  ImagePulls(ImagePullSource& source, const Clock& clock, Sinks sinks, Policy policy);
  ~ImagePulls() { *alive_ = false; }
  ImagePulls(const ImagePulls&) = delete;
  ImagePulls& operator=(const ImagePulls&) = delete;

  enum class State { Ready, Pulling, ErrImagePull, BackOff };
  struct Gate {
    State state = State::Ready;
    std::string message;               // the failure, or the back-off message
    std::optional<int64_t> retryAtNs;  // when to look again (back-off end)
  };
  // What container `container` of pod `key` may do about `image` now. Each call for a waiter
  // that is not yet satisfied asks for a pull that ends after its first call: a success then
  // makes it Ready (once; the next call asks again, as the kubelet pulls at every start under
  // Always). A failure makes it ErrImagePull once, then BackOff until the back-off ends.
  Gate need(const std::string& image, const std::string& key, const std::string& container);
  // The pod `key` is gone: its containers wait no more.
  void forget(const std::string& key);

 private:
  struct Waiter {
    std::string key, container;
    uint64_t neededSuccess = 0;  // the image's success count that satisfies it
    uint64_t seenFailures = 0;   // the failures it has been told of
    int64_t sinceNs = 0;         // when it began to wait (the "including waiting" time)
    bool backOffSent = false;
  };
  struct Pull {
    std::string image;  // as the first container to need it wrote it (events name it so)
    bool inFlight = false;
    int64_t startedNs = 0;
    uint64_t successes = 0;
    uint64_t failures = 0;
    std::string lastError;
    int64_t backoffNs = 0;
    int64_t backoffUntilNs = 0;
    std::map<std::string, Waiter> waiters;  // key + "\n" + container
  };
  void start(const std::string& id, Pull& p);
  void finished(const std::string& id, Result<PulledImage> result);

  ImagePullSource& source_;
  const Clock& clock_;
  Sinks sinks_;
  Policy policy_;
  std::map<std::string, Pull> pulls_;  // normalized reference -> its pulls
  // A pull's result that arrives after this object is gone is dropped.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// "1.234s" as the kubelet writes durations in the Pulled event.
std::string formatPullSeconds(int64_t ns);

}  // namespace podkeeper::reconciler
