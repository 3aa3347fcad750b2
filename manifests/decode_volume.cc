#include "manifests/decode_parts.h"
#include "manifests/quantity.h"

namespace podkeeper::manifests::detail {
namespace {

EmptyDirVolumeSource decodeEmptyDir(DecodeContext& ctx, const YAML::Node& node,
                                    const std::string& path) {
  EmptyDirVolumeSource e;
  if (node.IsMap() && node.size() == 0) return e;  // emptyDir: {}
  MapReader m(ctx, node, path);
  if (!m.valid()) return e;
  m.string("medium", e.medium);
  if (auto n = m.take("sizeLimit")) {
    std::string text;
    if (readScalarText(ctx, *n, m.child("sizeLimit"), text)) {
      ScaledQuantity q = parseBytes(text);
      if (!q.value) {
        ctx.error(*n, m.child("sizeLimit"), quoteValue(text) + " " + q.error);
      } else if (*q.value < 0) {
        ctx.error(*n, m.child("sizeLimit"), quoteValue(text) + " must not be negative");
      } else {
        e.sizeLimitBytes = q.value;
      }
    }
  }
  m.finish();
  return e;
}

HostPathVolumeSource decodeHostPath(DecodeContext& ctx, const YAML::Node& node,
                                    const std::string& path) {
  HostPathVolumeSource h;
  MapReader m(ctx, node, path);
  if (!m.valid()) return h;
  m.string("path", h.path);
  m.string("type", h.type);
  m.finish();
  return h;
}

void decodeDownwardAPIItems(MapReader& m, std::vector<DownwardAPIVolumeFile>& out) {
  DecodeContext& ctx = m.ctx();
  if (auto n = m.take("items")) {
    forEachElement(ctx, *n, m.child("items"), [&](const YAML::Node& e, const std::string& p) {
      MapReader item(ctx, e, p);
      if (!item.valid()) return;
      DownwardAPIVolumeFile& f = out.emplace_back();
      item.string("path", f.path);
      if (auto r = item.take("fieldRef"))
        f.fieldRef = decodeFieldRef(ctx, *r, item.child("fieldRef"));
      if (auto r = item.take("resourceFieldRef")) {
        f.resourceFieldRef = decodeResourceFieldRef(ctx, *r, item.child("resourceFieldRef"));
      }
      item.integer32("mode", f.mode);
      item.finish();
    });
  }
}

DownwardAPIVolumeSource decodeDownwardAPI(DecodeContext& ctx, const YAML::Node& node,
                                          const std::string& path) {
  DownwardAPIVolumeSource d;
  MapReader m(ctx, node, path);
  if (!m.valid()) return d;
  m.integer32("defaultMode", d.defaultMode);
  decodeDownwardAPIItems(m, d.items);
  m.finish();
  return d;
}

// A projected volume is served when all its sources are downwardAPI; each other kind is
// refused by name.
ProjectedVolumeSource decodeProjected(DecodeContext& ctx, const YAML::Node& node,
                                      const std::string& path) {
  ProjectedVolumeSource out;
  MapReader m(ctx, node, path);
  if (!m.valid()) return out;
  m.integer32("defaultMode", out.defaultMode);
  if (auto n = m.take("sources")) {
    forEachElement(ctx, *n, m.child("sources"), [&](const YAML::Node& e, const std::string& p) {
      MapReader s(ctx, e, p);
      if (!s.valid()) return;
      VolumeProjection& source = out.sources.emplace_back();
      if (auto d = s.take("downwardAPI")) {
        MapReader dm(ctx, *d, s.child("downwardAPI"));
        if (dm.valid()) {
          source.downwardAPI = DownwardAPIProjection{};
          decodeDownwardAPIItems(dm, source.downwardAPI->items);
          dm.finish();
        }
      }
      s.refuse("serviceAccountToken", noApiServer("a ServiceAccount token"));
      s.refuse("configMap", noApiServer("a ConfigMap"));
      s.refuse("secret", noApiServer("a Secret"));
      s.refuse("clusterTrustBundle", noApiServer("a ClusterTrustBundle"));
      s.refuse("podCertificate", noApiServer("a pod certificate signer"));
      s.finish();
    });
  }
  m.finish();
  return out;
}

}  // namespace

void decodeVolume(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                  Volume& out) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return;
  m.string("name", out.name);
  if (m.present("emptyDir")) {  // `emptyDir:` with no value is an emptyDir too
    auto n = m.take("emptyDir");
    out.emptyDir = n ? decodeEmptyDir(ctx, *n, m.child("emptyDir")) : EmptyDirVolumeSource{};
  }
  if (auto n = m.take("hostPath")) out.hostPath = decodeHostPath(ctx, *n, m.child("hostPath"));
  if (auto n = m.take("downwardAPI")) {
    out.downwardAPI = decodeDownwardAPI(ctx, *n, m.child("downwardAPI"));
  }
  m.refuse("configMap", noApiServer("a ConfigMap"));
  m.refuse("secret", noApiServer("a Secret"));
  m.refuse("persistentVolumeClaim", noApiServer("a PersistentVolumeClaim"));
  if (auto n = m.take("projected")) out.projected = decodeProjected(ctx, *n, m.child("projected"));
  m.refuse("ephemeral", noApiServer("a PersistentVolumeClaim template"));
  m.refuse("csi", "volumes of type csi are not supported: a node agent has no CSI drivers");
  if (auto n = m.take("image")) {
    MapReader im(ctx, *n, m.child("image"));
    if (im.valid()) {
      out.image = ImageVolumeSource{};
      im.string("reference", out.image->reference);
      im.string("pullPolicy", out.image->pullPolicy);
      if (out.image->pullPolicy.empty())
        out.image->pullPolicy = defaultPullPolicy(out.image->reference);
      im.finish();
    }
  }
  for (const char* legacy : {"nfs",
                             "iscsi",
                             "rbd",
                             "cephfs",
                             "glusterfs",
                             "fc",
                             "flexVolume",
                             "awsElasticBlockStore",
                             "gcePersistentDisk",
                             "azureDisk",
                             "azureFile",
                             "gitRepo",
                             "cinder",
                             "vsphereVolume",
                             "portworxVolume",
                             "storageos",
                             "quobyte",
                             "scaleIO",
                             "flocker",
                             "photonPersistentDisk"}) {
    m.refuse(
        legacy,
        std::string("volumes of type ") + legacy +
            " are not supported (emptyDir, hostPath, downwardAPI and projected downwardAPI are)");
  }
  m.finish();
}

std::optional<ObjectFieldSelector> decodeFieldRef(DecodeContext& ctx, const YAML::Node& node,
                                                  const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return std::nullopt;
  ObjectFieldSelector f;
  m.string("fieldPath", f.fieldPath);
  std::string apiVersion;
  m.string("apiVersion", apiVersion);
  if (!apiVersion.empty() && apiVersion != "v1") {
    ctx.error(m.child("apiVersion"), quoteValue(apiVersion) + " is not supported (only v1)");
  }
  m.finish();
  return f;
}

std::optional<ResourceFieldSelector> decodeResourceFieldRef(DecodeContext& ctx,
                                                            const YAML::Node& node,
                                                            const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return std::nullopt;
  ResourceFieldSelector r;
  m.string("containerName", r.containerName);
  m.string("resource", r.resource);
  if (auto n = m.take("divisor")) readScalarText(ctx, *n, m.child("divisor"), r.divisor);
  m.finish();
  return r;
}

}  // namespace podkeeper::manifests::detail
