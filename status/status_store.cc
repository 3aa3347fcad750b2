#include "status/status_store.h"

namespace podkeeper::status {

void StatusStore::recordEvent(const std::string& key, PodEvent event) {
  events_.record(key, std::move(event));
}

void StatusStore::setWaiting(const std::string& uid, std::map<std::string, std::string> waiting) {
  if (waiting.empty())
    waiting_.erase(uid);
  else
    waiting_[uid] = std::move(waiting);
}

void StatusStore::noteTerminated(const std::string& uid, const std::string& container,
                                 const runtime::ExitRecord& exit) {
  lastTerminated_[uid][container] = exit;
}

const manifests::AdmitResult* StatusStore::refusal(const std::string& key) const {
  auto it = refusals_.find(key);
  return it == refusals_.end() ? nullptr : &it->second;
}

void StatusStore::setRefusals(std::map<std::string, manifests::AdmitResult> refusals) {
  refusals_ = std::move(refusals);
}

ProbeStatus StatusStore::probeStatus(const std::string& uid) const {
  return probeSource_ ? probeSource_(uid) : ProbeStatus{};
}

void StatusStore::forgetSandbox(const std::string& uid) {
  waiting_.erase(uid);
  lastTerminated_.erase(uid);
  resizes_.erase(uid);
}

}  // namespace podkeeper::status
