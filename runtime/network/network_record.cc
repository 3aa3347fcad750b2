#include "runtime/network/network_record.h"

#include <unistd.h>

#include <cerrno>

#include "runtime/sys/atomic_file.h"

namespace podkeeper::runtime::network {

std::string encodeNetworkRecord(const NetworkRecord& r) {
  nlohmann::json args = nlohmann::json::array();
  for (const auto& [k, v] : r.attachment.args) args.push_back({k, v});
  nlohmann::json j = {{"kind", "podkeeperNetworkV1"},
                      {"file", r.list.file},
                      {"config", r.list.raw},
                      {"containerId", r.attachment.containerId},
                      {"netns", r.attachment.netns},
                      {"ifName", r.attachment.ifName},
                      {"cniArgs", args},
                      {"capabilityArgs", r.attachment.capabilityArgs},
                      {"result", r.result}};
  return j.dump();
}

Result<NetworkRecord> decodeNetworkRecord(const std::string& file, const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("kind", "") != "podkeeperNetworkV1")
    return failMsg(file + ": not a network record");
  try {
    NetworkRecord r;
    auto list = parseNetworkConfig(j.at("file").get<std::string>(), j.at("config").dump(), true);
    if (!list) return fail(list.error().context(file));
    r.list = std::move(*list);
    r.attachment.containerId = j.at("containerId").get<std::string>();
    r.attachment.netns = j.at("netns").get<std::string>();
    r.attachment.ifName = j.at("ifName").get<std::string>();
    for (const auto& kv : j.at("cniArgs"))
      r.attachment.args.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
    r.attachment.capabilityArgs = j.at("capabilityArgs");
    r.result = j.at("result");
    return r;
  } catch (const nlohmann::json::exception& e) {
    return failMsg(file + ": " + e.what());
  }
}

namespace {

Result<std::optional<NetworkRecord>> readRecord(const std::string& path) {
  auto text = readWholeFile(path);
  if (!text && text.error().code == ENOENT) return std::optional<NetworkRecord>();
  if (!text) return fail(text.error());
  auto r = decodeNetworkRecord(path, *text);
  if (!r) return fail(r.error());
  return std::optional<NetworkRecord>(std::move(*r));
}

}  // namespace

Result<CniResult> attachPod(const CniNetwork& cni, const NetworkConfigList& list,
                            const Attachment& a, const std::string& path) {
  NetworkRecord record{list, a, nullptr};
  if (auto w = writeFileAtomic(path, encodeNetworkRecord(record)); !w) return fail(w.error());
  bool undone = false;
  auto result = cni.add(list, a, &undone);
  if (!result) {
    // Nothing left to tear down: the record goes, so a later DEL does not need the plugins.
    if (undone) ::unlink(path.c_str());
    return fail(result.error());
  }
  record.result = result->raw;
  if (auto w = writeFileAtomic(path, encodeNetworkRecord(record)); !w) return fail(w.error());
  return result;
}

Result<void> checkPod(const CniNetwork& cni, const std::string& path) {
  auto r = readRecord(path);
  if (!r) return fail(r.error());
  if (!*r || (*r)->result.is_null()) return {};
  return cni.check((*r)->list, (*r)->attachment, (*r)->result);
}

Result<void> detachPod(const CniNetwork& cni, const std::string& path) {
  auto r = readRecord(path);
  if (!r) return fail(r.error());
  if (!*r) return {};
  if (auto d = cni.del((*r)->list, (*r)->attachment, (*r)->result); !d) return d;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return failSys(errno, "remove " + path);
  return {};
}

std::optional<CniResult> recordedResult(const std::string& path) {
  auto r = readRecord(path);
  if (!r || !*r || (*r)->result.is_null()) return std::nullopt;
  auto parsed = parseResult((*r)->result.dump());
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

}  // namespace podkeeper::runtime::network
