#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// The soak's pods: a small catalogue of kinds, each a manifest built from a few values, so the
// soak can create, edit and recognise them. Pure: no files, no processes.
namespace podkeeper::soak {

enum class PodKind {
  Counter,      // numbered log lines, for the exactly-once log invariant
  RandomExit,   // exits 0 or 1 at random after a few seconds (OnFailure)
  InitSidecar,  // an init container, a sidecar (init with restartPolicy Always) and the app
  Probes,       // startup, liveness and readiness exec probes
  Hooks,        // postStart and preStop exec hooks
  Volumes,      // an emptyDir shared by a writer and a reader
  MemoryHog,    // allocates past its memory limit: OOM-killed, again and again
  ForkBomb,     // forks until the pod's pids limit stops it
  LogFlood,     // writes as fast as it is let, rotated by the agent
  SharedPid,    // shareProcessNamespace: a pid reaper to kill
};
inline constexpr int kPodKinds = 10;

std::string kindName(PodKind kind);

// One pod of the catalogue as the soak last wrote it.
struct SoakPod {
  PodKind kind = PodKind::Counter;
  std::string name;                           // s<id>-<kind>
  std::string uid;                            // soak-<id>; a duplicate carries its own
  int generation = 0;                         // bumped by a spec edit (an env value changes)
  std::map<std::string, std::string> labels;  // changed alone by a label edit
};

SoakPod makePod(PodKind kind, int id);
std::string manifestYaml(const SoakPod& pod);

// The regular containers of the kind (not init containers, not sidecars).
std::vector<std::string> appContainers(PodKind kind);
// Containers that should be running once the pod settled (a crash-loop back-off aside).
bool settlesRunning(PodKind kind);
// The container that prints "seq N" lines, one per line from 1 on ("" when none).
std::string counterContainer(PodKind kind);

}  // namespace podkeeper::soak
