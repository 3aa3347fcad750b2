#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/error.h"
#include "runtime/network/cni_config.h"
#include "runtime/network/cni_network.h"
#include "runtime/network/cni_protocol.h"

// What a pod's network was set up with, kept in its state directory (network.json) as libcni
// caches it: the configuration list as it was, the attachment's arguments and the result. DEL
// and CHECK use it, never the configuration on disk now, so a changed or removed conflist or
// an agent restart still tears down what was set up.
namespace podkeeper::runtime::network {

struct NetworkRecord {
  NetworkConfigList list;
  Attachment attachment;
  nlohmann::json result;  // null until ADD returned
};

std::string encodeNetworkRecord(const NetworkRecord& r);
Result<NetworkRecord> decodeNetworkRecord(const std::string& file, const std::string& text);

// Blocking steps on one pod's record file (path: <pod state dir>/network.json).
// Writes the record before ADD (so a crash during ADD is still torn down), runs ADD, and
// writes the result into it.
Result<CniResult> attachPod(const CniNetwork& cni, const NetworkConfigList& list,
                            const Attachment& a, const std::string& path);
// CHECK with the recorded configuration and result; fine when there is no record.
Result<void> checkPod(const CniNetwork& cni, const std::string& path);
// DEL with the recorded configuration and arguments, then the record goes. No record: done.
Result<void> detachPod(const CniNetwork& cni, const std::string& path);
// The recorded result; nullopt when there is no record or no result yet.
std::optional<CniResult> recordedResult(const std::string& path);

}  // namespace podkeeper::runtime::network
