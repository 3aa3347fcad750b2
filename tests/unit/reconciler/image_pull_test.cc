#include <cerrno>
#include <functional>
#include <set>

#include "tests/support/lifecycle_fixture.h"

// Containers wait for their images as the kubelet's pull policy says: one pull per image,
// ErrImagePull then ImagePullBackOff with a doubling back-off, events on every waiting pod.
namespace podkeeper::reconciler {
namespace {

using testing::container;
constexpr int64_t kSec = kNsPerSec;

class FakePullSource : public ImagePullSource {
 public:
  std::set<std::string> local = {"busybox"};
  std::vector<std::pair<std::string, std::function<void(Result<PulledImage>)>>> pending;
  std::vector<std::string> asked;
  testing::FakeImageService* images = nullptr;

  bool isLocal(const std::string& image) const override { return local.contains(image); }
  void pull(const std::string& image, std::function<void(Result<PulledImage>)> done) override {
    asked.push_back(image);
    pending.emplace_back(image, std::move(done));
  }
  // Ends the oldest pull: on success the image is on the node from then on.
  void finish(Result<PulledImage> r) {
    auto [image, done] = std::move(pending.front());
    pending.erase(pending.begin());
    if (r) images->images[image] = {{"/store/" + image}, "", {}, {}};
    done(std::move(r));
  }
};

class ImagePull : public testing::LifecycleFixture {
 protected:
  void SetUp() override {
    source_.images = &images_;
    ReconcileHooks hooks;
    hooks.requeue = [this](const std::string& key) { requeued_.push_back(key); };
    reconciler_ = std::make_unique<Reconciler>(
        runtime_, images_, clock_,
        NodePaths{"/var/log/pods", "pk", "node1", "10.0.0.1", 2000, 1 << 30}, hooks, nullptr,
        &source_);
  }
  manifests::DecodedPod podWith(const std::string& name, const std::string& image,
                                const std::string& policy) {
    auto c = container("app");
    c.image = image;
    c.imagePullPolicy = policy;
    return testing::pod(name, {c});
  }
  std::vector<std::string> eventMessages(const std::string& key, const std::string& reason) {
    std::vector<std::string> out;
    for (const auto& e : reconciler_->status().events().forPod(key))
      if (e.reason == reason) out.push_back(e.message);
    return out;
  }
  std::string waitingReason(const manifests::DecodedPod& p) {
    auto w = reconciler_->status().waiting().find(p.uid);
    if (w == reconciler_->status().waiting().end() || !w->second.contains("app")) return "";
    return w->second.at("app");
  }

  FakePullSource source_;
  std::vector<std::string> requeued_;
};

TEST_F(ImagePull, AnImageOnlyInTheRegistryIsPulledOnceForTwoPodsThenBothStart) {
  auto a = podWith("web", "reg:5000/app:1", "IfNotPresent");
  auto b = podWith("api", "reg:5000/app:1", "IfNotPresent");
  want({a, b});
  reconcile("default/web");
  reconcile("default/api");
  ASSERT_EQ(source_.asked, std::vector<std::string>{"reg:5000/app:1"});
  EXPECT_TRUE(runtime_.started.empty());
  EXPECT_EQ(eventMessages("default/api", "Pulling"),
            std::vector<std::string>{"Pulling image \"reg:5000/app:1\""});
  clock_.now += 1234 * kSec / 1000;
  source_.finish(PulledImage{"sha256:abc", 4096});
  EXPECT_EQ(requeued_, (std::vector<std::string>{"default/api", "default/web"}));
  EXPECT_EQ(eventMessages("default/web", "Pulled"),
            std::vector<std::string>{"Successfully pulled image \"reg:5000/app:1\" in 1.234s "
                                     "(1.234s including waiting). Image size: 4096 bytes."});
  reconcile("default/web");
  reconcile("default/api");
  EXPECT_EQ(runtime_.started.size(), 2u);
  EXPECT_EQ(runtime_.started[0].resolvedImage.layers.front(), "/store/reg:5000/app:1");
  EXPECT_EQ(source_.asked.size(), 1u);
}

TEST_F(ImagePull, TwoSpellingsOfOneImageShareOnePull) {
  auto a = podWith("web", "nginx", "Always");
  auto b = podWith("api", "docker.io/library/nginx:latest", "Always");
  want({a, b});
  reconcile("default/web");
  reconcile("default/api");
  EXPECT_EQ(source_.asked, std::vector<std::string>{"nginx"});
  // Each pod's event names the image as its own manifest writes it.
  EXPECT_EQ(eventMessages("default/api", "Pulling"),
            std::vector<std::string>{"Pulling image \"docker.io/library/nginx:latest\""});
}

TEST_F(ImagePull, IfNotPresentDoesNotPullAnImageOnTheNode) {
  images_.images["reg/app:1"] = {{"/store/old"}, "", {}, {}};
  want({podWith("web", "reg/app:1", "IfNotPresent")});
  reconcile();
  EXPECT_TRUE(source_.asked.empty());
  ASSERT_EQ(runtime_.started.size(), 1u);
  EXPECT_EQ(runtime_.started[0].resolvedImage.layers.front(), "/store/old");
}

TEST_F(ImagePull, AlwaysPullsBeforeTheStartEvenWhenTheImageIsOnTheNode) {
  images_.images["reg/app:latest"] = {{"/store/old"}, "", {}, {}};
  want({podWith("web", "reg/app:latest", "Always")});
  reconcile();
  EXPECT_TRUE(runtime_.started.empty());
  ASSERT_EQ(source_.asked.size(), 1u);
  source_.finish(PulledImage{"sha256:new", 1});
  reconcile();
  ASSERT_EQ(runtime_.started.size(), 1u);
  EXPECT_EQ(runtime_.started[0].resolvedImage.layers.front(), "/store/reg/app:latest");
}

TEST_F(ImagePull, ADirectoryImageIsNeverPulledWhateverThePolicy) {
  want({podWith("web", "busybox", "Always")});
  reconcile();
  EXPECT_TRUE(source_.asked.empty());
  EXPECT_EQ(runtime_.started.size(), 1u);
}

TEST_F(ImagePull, NeverWithoutTheImageWaitsWithErrImageNeverPull) {
  auto p = podWith("web", "reg/app:1", "Never");
  want({p});
  auto out = reconcile();  // a waiting container, not a failed sync
  EXPECT_TRUE(source_.asked.empty());
  EXPECT_EQ(waitingReason(p), "ErrImageNeverPull");
  EXPECT_EQ(out.requeueAtNs, clock_.now + 10 * kSec);  // looked for again as the kubelet syncs
  EXPECT_EQ(eventMessages("default/web", "ErrImageNeverPull"),
            std::vector<std::string>{
                "Container image \"reg/app:1\" is not present with pull policy of Never"});
  status::PodStatusInput in;
  in.pod = &p;
  in.observed = &runtime_.sandboxes.at(p.uid);
  in.waiting = reconciler_->status().waiting().at(p.uid);
  const auto waiting = status::podStatus(in)["containerStatuses"][0]["state"]["waiting"];
  EXPECT_EQ(waiting["reason"], "ErrImageNeverPull");
  EXPECT_EQ(waiting["message"],
            "Container image \"reg/app:1\" is not present with pull policy of Never");
  clock_.now += 10 * kSec;
  reconcile();  // still missing: one event, not one per sync
  EXPECT_EQ(eventMessages("default/web", "ErrImageNeverPull").size(), 1u);
  EXPECT_TRUE(runtime_.started.empty());
}

TEST_F(ImagePull, AFailedPullIsErrImagePullThenImagePullBackOffDoublingFrom10s) {
  auto p = podWith("web", "reg/app:1", "IfNotPresent");
  want({p});
  reconcile();
  source_.finish(fail(Error{ENOENT, "reg/app:1: manifest unknown (MANIFEST_UNKNOWN, HTTP 404)"}));
  EXPECT_EQ(eventMessages("default/web", "Failed"),
            std::vector<std::string>{"Failed to pull image \"reg/app:1\": reg/app:1: manifest "
                                     "unknown (MANIFEST_UNKNOWN, HTTP 404)"});
  auto out = reconcile();
  EXPECT_EQ(waitingReason(p), "ErrImagePull");
  EXPECT_EQ(out.requeueAtNs, clock_.now + 10 * kSec);
  clock_.now += 5 * kSec;
  reconcile();
  EXPECT_EQ(waitingReason(p), "ImagePullBackOff");
  EXPECT_EQ(eventMessages("default/web", "BackOff"),
            std::vector<std::string>{"Back-off pulling image \"reg/app:1\""});
  status::PodStatusInput in;
  in.pod = &p;
  in.observed = &runtime_.sandboxes.at(p.uid);
  in.waiting = reconciler_->status().waiting().at(p.uid);
  EXPECT_EQ(status::podStatus(in)["containerStatuses"][0]["state"]["waiting"]["message"],
            "Back-off pulling image \"reg/app:1\"");
  EXPECT_EQ(source_.asked.size(), 1u);
  clock_.now += 5 * kSec;
  reconcile();  // the back-off is over: pull again
  ASSERT_EQ(source_.asked.size(), 2u);
  source_.finish(fail(Error{EACCES, "unauthorized"}));
  out = reconcile();
  EXPECT_EQ(out.requeueAtNs, clock_.now + 20 * kSec);
  clock_.now += 20 * kSec;
  reconcile();
  source_.finish(PulledImage{"sha256:x", 1});
  reconcile();
  EXPECT_EQ(runtime_.started.size(), 1u);
  EXPECT_EQ(waitingReason(p), "");
}

}  // namespace
}  // namespace podkeeper::reconciler
