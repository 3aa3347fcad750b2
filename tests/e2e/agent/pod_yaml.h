#pragma once

#include <string>

// Manifests for the end-to-end tests: one busybox container running a shell script.
namespace podkeeper::e2e {

struct PodYaml {
  std::string name = "web";
  std::string uid = "e2e-uid-1";
  std::string container = "app";
  std::string script = "echo pid $$$$; while true; do sleep 1; done";
  std::string restartPolicy = "Always";
  int grace = 3;
  std::string cpuRequest = "100m", cpuLimit = "500m";
  std::string memoryRequest = "16Mi", memoryLimit = "64Mi";
  std::string image = "busybox";
  std::string imagePullPolicy;  // omitted when empty (the kubelet's default for the tag)

  std::string str() const {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  uid: " + uid +
           "\nspec:\n  restartPolicy: " + restartPolicy +
           "\n  terminationGracePeriodSeconds: " + std::to_string(grace) +
           "\n  containers:\n  - name: " + container + "\n    image: " + image +
           (imagePullPolicy.empty() ? "" : "\n    imagePullPolicy: " + imagePullPolicy) +
           "\n    command: [\"sh\", \"-c\", " + quoted(script) +
           "]\n    resources:\n      requests: {cpu: " + cpuRequest + ", memory: " + memoryRequest +
           "}\n      limits: {cpu: " + cpuLimit + ", memory: " + memoryLimit + "}\n";
  }
  // Burstable: requests below limits.
  std::string cgroup() const { return "burstable/pod" + uid + "/" + container; }
  std::string podCgroup() const { return "burstable/pod" + uid; }

 private:
  static std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
};

}  // namespace podkeeper::e2e
