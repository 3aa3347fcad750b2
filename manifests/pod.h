#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

// The Pod model: what podkeeper understands of a Kubernetes Pod manifest, after decoding
// and defaulting. Plain values, no YAML types, so every layer above can use it.
// This header must stay C++20 and free of <expected>: the fuzz build uses clang 14.
namespace podkeeper::manifests {

struct ResourceList {
  std::optional<int64_t> cpuMilli;     // "500m" -> 500, "2" -> 2000
  std::optional<int64_t> memoryBytes;  // "64Mi" -> 67108864
  std::optional<int64_t> ephemeralStorageBytes;
  bool operator==(const ResourceList&) const = default;
};

struct ResourceRequirements {
  ResourceList requests;
  ResourceList limits;
  bool operator==(const ResourceRequirements&) const = default;
};

struct EnvVar {
  std::string name;
  std::string value;
  bool operator==(const EnvVar&) const = default;
};

struct Container {
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::vector<EnvVar> env;
  std::string workingDir;
  ResourceRequirements resources;
  bool operator==(const Container&) const = default;
};

enum class RestartPolicy { Always, OnFailure, Never };

struct PodSpec {
  std::vector<Container> initContainers;
  std::vector<Container> containers;
  RestartPolicy restartPolicy = RestartPolicy::Always;
  int64_t terminationGracePeriodSeconds = 30;
  bool operator==(const PodSpec&) const = default;
};

struct ObjectMeta {
  std::string name;
  std::string namespace_ = "default";
  std::string uid;  // as written in the manifest; may be empty
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  bool operator==(const ObjectMeta&) const = default;
};

struct Pod {
  ObjectMeta metadata;
  PodSpec spec;
  bool operator==(const Pod&) const = default;
};

const char* toString(RestartPolicy p);

}  // namespace podkeeper::manifests
