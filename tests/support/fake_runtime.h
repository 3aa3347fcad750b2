#pragma once

#include <signal.h>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/clock.h"
#include "runtime/container_runtime.h"

namespace podkeeper::reconciler::testing {

// An in-memory machine: records every call, and lets a test end containers at will.
class FakeRuntime : public runtime::ContainerRuntime {
 public:
  std::map<std::string, runtime::SandboxState> sandboxes;
  std::vector<std::string> calls;
  std::vector<runtime::ContainerSpec> started;
  std::vector<runtime::SandboxSpec> ensured;
  bool containersHandleSigterm = true;
  int64_t nowNs = 0;  // written into exit records
  int nextPid = 100;

  void exitContainer(const std::string& uid, const std::string& name, int code) {
    auto& c = find(uid, name);
    c.running = false;
    c.shimAlive = false;
    c.exit = runtime::ExitRecord{code, code > 128 ? code - 128 : 0, false, c.startedAtNs, nowNs};
  }

  // Volume calls are kept apart from `calls`, which tests compare whole.
  std::vector<runtime::SandboxSpec> prepared;
  std::optional<Error> prepareVolumesError;  // set: prepareVolumes fails with it
  std::vector<runtime::SandboxSpec> downwardUpdates;

  Result<void> prepareVolumes(const runtime::SandboxSpec& spec) override {
    prepared.push_back(spec);
    if (prepareVolumesError) return fail(*prepareVolumesError);
    return {};
  }
  Result<void> updateDownwardAPI(const runtime::SandboxSpec& spec) override {
    downwardUpdates.push_back(spec);
    return {};
  }
  Result<void> ensureSandbox(const runtime::SandboxSpec& spec) override {
    calls.push_back("ensure " + spec.uid);
    ensured.push_back(spec);
    auto& s = sandboxes[spec.uid];
    if (s.uid.empty()) {
      s.uid = spec.uid;
      s.name = spec.name;
      s.namespace_ = spec.namespace_;
      s.specHash = spec.specHash;
      s.allocated = spec.allocated;
      s.cgroupParent = spec.cgroupParent;
      s.terminationGracePeriodSeconds = spec.terminationGracePeriodSeconds;
      s.createdAtNs = spec.createdAtNs;
      s.sidecars = spec.sidecars;
    }
    return {};
  }
  std::optional<std::string> throwOnStartOf;  // set: starting a container of this uid throws

  Result<runtime::ContainerState> startContainer(const runtime::ContainerSpec& spec) override {
    calls.push_back("start " + spec.sandboxUid + "/" + spec.name);
    if (throwOnStartOf == spec.sandboxUid) throw std::runtime_error("injected failure");
    started.push_back(spec);
    runtime::ContainerState c;
    c.name = spec.name;
    c.image = spec.image;
    c.pid = nextPid++;
    c.shimPid = nextPid++;
    c.startedAtNs = nowNs;
    c.restartCount = spec.restartCount;
    c.stopSignal = spec.stopSignal;
    c.running = true;
    c.shimAlive = true;
    sandboxes.at(spec.sandboxUid).containers.push_back(c);
    return c;
  }
  Result<void> signalContainer(const std::string& uid, const std::string& name, int sig) override {
    calls.push_back("signal " + uid + "/" + name + " " + std::to_string(sig));
    if (sig == SIGTERM && containersHandleSigterm) exitContainer(uid, name, 143);
    return {};
  }
  Result<void> killContainer(const std::string& uid, const std::string& name) override {
    calls.push_back("kill " + uid + "/" + name);
    exitContainer(uid, name, 137);
    return {};
  }
  Result<void> removeContainer(const std::string& uid, const std::string& name) override {
    calls.push_back("remove " + uid + "/" + name);
    auto& cs = sandboxes.at(uid).containers;
    std::erase_if(cs, [&](const auto& c) { return c.name == name; });
    return {};
  }
  Result<void> recordStop(const std::string& uid, const runtime::StopRecord& stop) override {
    if (sandboxes.contains(uid)) sandboxes.at(uid).stop = stop;
    return {};
  }
  Result<void> removeSandbox(const std::string& uid) override {
    calls.push_back("removeSandbox " + uid);
    sandboxes.erase(uid);
    return {};
  }
  Result<void> releaseSandbox(const std::string& uid) override {
    calls.push_back("release " + uid);
    if (sandboxes.contains(uid)) sandboxes.at(uid).released = true;
    return {};
  }
  // In-place resizes, in order; memory usage by "uid/name" (none: unknown).
  std::vector<runtime::ResourceUpdate> resourceUpdates;
  std::map<std::string, int64_t> memoryUsage;
  Result<void> updateResources(const runtime::ResourceUpdate& u) override {
    calls.push_back("resize " + u.sandboxUid);
    resourceUpdates.push_back(u);
    auto& s = sandboxes.at(u.sandboxUid);
    s.specHash = u.specHash;
    s.allocated = u.allocated;
    return {};
  }
  Result<std::optional<int64_t>> containerMemoryUsage(const std::string& uid,
                                                      const std::string& name) override {
    auto it = memoryUsage.find(uid + "/" + name);
    if (it == memoryUsage.end()) return std::optional<int64_t>();
    return std::optional<int64_t>(it->second);
  }
  Result<std::vector<runtime::SandboxState>> list() override {
    std::vector<runtime::SandboxState> all;
    for (const auto& [uid, s] : sandboxes) all.push_back(s);
    return all;
  }
  Result<int> openShimPidfd(const std::string&, const std::string&) override {
    return failMsg("no pidfds in the fake");
  }

 private:
  runtime::ContainerState& find(const std::string& uid, const std::string& name) {
    for (auto& c : sandboxes.at(uid).containers)
      if (c.name == name) return c;
    throw std::runtime_error("no container " + name);
  }
};

class FakeClock : public Clock {
 public:
  int64_t now = 1'000 * kNsPerSec;
  int64_t nowNs() const override { return now; }
};

}  // namespace podkeeper::reconciler::testing
