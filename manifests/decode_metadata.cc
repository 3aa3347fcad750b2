#include "manifests/decode_parts.h"

namespace podkeeper::manifests::detail {

void decodeObjectMeta(DecodeContext& ctx, const YAML::Node& node, ObjectMeta& out) {
  MapReader m(ctx, node, "metadata");
  if (!m.valid()) return;
  m.string("name", out.name);
  m.string("namespace", out.namespace_);
  if (out.namespace_.empty()) out.namespace_ = "default";
  m.string("uid", out.uid);
  m.stringMap("labels", out.labels);
  m.stringMap("annotations", out.annotations);
  if (out.name.empty() && m.has("generateName")) {
    ctx.error(m.child("generateName"),
              "needs an API server to pick a name; set metadata.name instead");
  }
  m.take("generateName");
  // Set by the API server; present in `kubectl get -o yaml` and kubeadm output.
  m.ignore({"creationTimestamp", "resourceVersion", "generation", "selfLink", "managedFields",
            "ownerReferences", "finalizers", "deletionTimestamp", "deletionGracePeriodSeconds"});
  m.finish();
}

}  // namespace podkeeper::manifests::detail
