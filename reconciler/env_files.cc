#include "reconciler/env_files.h"

#include <cerrno>

#include "manifests/env_file.h"

namespace podkeeper::reconciler {
namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// resolveContainer expands $(VAR) in plain values; "$$" keeps a '$' of the file literal.
std::string literal(const std::string& value) {
  std::string out;
  for (char ch : value) out += ch == '$' ? std::string("$$") : std::string(1, ch);
  return out;
}

}  // namespace

Result<manifests::Container> resolveFileKeyRefs(const manifests::Container& c,
                                                const VolumeFileReader& read) {
  manifests::Container out = c;
  out.env.clear();
  for (const auto& e : c.env) {
    if (!e.valueFrom || !e.valueFrom->fileKeyRef) {
      out.env.push_back(e);
      continue;
    }
    const auto& ref = *e.valueFrom->fileKeyRef;
    const std::string what = "env " + quoted(e.name) + ": key " + quoted(ref.key) + " of " +
                             quoted(ref.path) + " in volume " + quoted(ref.volumeName);
    auto text = read(ref.volumeName, ref.path);
    if (!text) {
      if (text.error().code == ENOENT && ref.optional) continue;
      return failMsg(what + ": " + text.error().message);
    }
    const auto found = manifests::lookupEnvFile(*text, ref.key);
    if (!found.error.empty()) return failMsg(what + ": " + found.error);
    if (!found.value) {
      if (ref.optional) continue;
      return failMsg(what + ": the key is not in the file");
    }
    manifests::EnvVar v;
    v.name = e.name;
    v.value = literal(*found.value);
    out.env.push_back(std::move(v));
  }
  return out;
}

}  // namespace podkeeper::reconciler
