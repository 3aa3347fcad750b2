#include "manifests/decode.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>

#include "manifests/decode_parts.h"
#include "manifests/identity.h"
#include "manifests/utf8.h"
#include "manifests/validate.h"
#include "manifests/yaml_documents.h"

namespace podkeeper::manifests {
namespace {

using detail::DecodeContext;
using detail::MapReader;

std::string keyOf(const Pod& pod) { return podKey(pod.metadata.namespace_, pod.metadata.name); }

// One Pod object (a document, or an item of a List).
std::optional<Pod> decodePodObject(DecodeContext& ctx, const YAML::Node& node) {
  ctx.beginDocument();
  MapReader doc(ctx, node, "");
  if (!doc.valid()) return std::nullopt;
  Pod pod;
  if (auto meta = doc.take("metadata")) {
    detail::decodeObjectMeta(ctx, *meta, pod.metadata);
  } else {
    ctx.error(node, "metadata", "is required");
  }
  if (auto spec = doc.take("spec")) {
    detail::decodePodSpec(ctx, *spec, pod.spec);
  } else {
    ctx.error(node, "spec", "is required");
  }
  doc.ignore({"apiVersion", "kind", "status"});
  doc.finish();
  if (ctx.exhausted()) return std::nullopt;
  validatePod(pod, ctx);
  return pod;
}

std::string scalarOr(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  return v && v.IsScalar() ? v.Scalar() : "";
}

// A document: a Pod, or a List / PodList of Pods (what `kubectl get pods -o yaml` prints).
void decodeDocument(DecodeContext& ctx, const YAML::Node& doc, std::vector<DecodedPod>& pods) {
  if (doc.IsNull()) return;  // an empty document, e.g. after a trailing ---
  if (!doc.IsMap()) {
    ctx.error(doc, "", "a manifest document must be a mapping with kind: Pod");
    return;
  }
  const std::string kind = scalarOr(doc, "kind");
  const std::string apiVersion = scalarOr(doc, "apiVersion");
  if (kind == "List" || kind == "PodList") {
    MapReader list(ctx, doc, "");
    list.ignore({"apiVersion", "kind", "metadata"});
    if (auto items = list.take("items")) {
      detail::forEachElement(ctx, *items, "items", [&](const YAML::Node& item, const std::string&) {
        decodeDocument(ctx, item, pods);
      });
    }
    list.finish();
    return;
  }
  if (kind != "Pod") {
    ctx.error(doc, "kind",
              (kind.empty() ? std::string("is required")
                            : detail::quoteValue(kind) + " is not supported") +
                  "; podkeeper runs kind: Pod");
    return;
  }
  if (apiVersion != "v1") {
    ctx.error(doc, "apiVersion",
              (apiVersion.empty() ? std::string("is required")
                                  : detail::quoteValue(apiVersion) + " is not supported") +
                  "; a Pod is apiVersion: v1");
  }
  if (std::optional<Pod> pod = decodePodObject(ctx, doc)) {
    pods.push_back(DecodedPod{std::move(*pod), "", "", ctx.lineOffset() + doc.Mark().line + 1});
  }
}

// Bytes that are not UTF-8 where no field reads them (a comment, an ignored or unknown
// field): the file is still not a valid manifest, reported at the byte itself.
void reportInvalidUtf8OutsideFields(DecodeContext& ctx, std::string_view contents) {
  if (ctx.invalidUtf8Reported()) return;
  auto bad = findInvalidUtf8(contents);
  if (!bad) return;
  const std::string_view before = contents.substr(0, *bad);
  const size_t lineStart =
      before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
  YAML::Mark at;
  at.pos = int(*bad);
  at.line = int(std::count(before.begin(), before.end(), '\n'));
  at.column = int(*bad - lineStart);
  ctx.setLineOffset(0);
  ctx.error(at, "", "the file " + checkUtf8(contents));
}

void reportDuplicatesInFile(DecodeContext& ctx, const std::vector<DecodedPod>& pods) {
  std::map<std::string, int> firstLine;
  for (const auto& p : pods) {
    auto [it, inserted] = firstLine.emplace(keyOf(p.pod), p.line);
    if (!inserted) {
      ctx.error(YAML::Mark::null_mark(), "metadata.name",
                "pod " + keyOf(p.pod) + " at line " + std::to_string(p.line) +
                    " is already defined at line " + std::to_string(it->second));
    }
  }
}

// File order reads best; diagnostics without a position go last.
void sortByPosition(std::vector<Diagnostic>& diagnostics) {
  auto key = [](const Diagnostic& d) {
    return std::pair{d.line > 0 ? d.line : INT32_MAX, d.column};
  };
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
}

}  // namespace

std::string Diagnostic::str() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (severity == Severity::Warning) out += "warning: ";
  if (!field.empty()) out += field + ": ";
  return out + message;
}

bool DecodeResult::ok() const {
  for (const auto& d : diagnostics) {
    if (d.severity == Diagnostic::Severity::Error) return false;
  }
  return true;
}

DecodeResult decodeManifest(const std::string& file, std::string_view contents) {
  DecodeResult result;
  DecodeContext ctx(file, result.diagnostics);
  if (contents.find('\0') != std::string_view::npos) {
    ctx.error(YAML::Mark::null_mark(), "", "contains a NUL byte: not a YAML or JSON manifest");
    return result;
  }
  std::vector<DecodedPod> pods;
  // Each document is parsed on its own, so a syntax error in one still lets the others be
  // checked and reported.
  for (const auto& doc : detail::splitDocuments(contents)) {
    if (ctx.exhausted()) break;
    ctx.setLineOffset(doc.firstLine);
    try {
      decodeDocument(ctx, detail::loadSingleDocument(doc.text), pods);
    } catch (const YAML::Exception& e) {
      ctx.error(e.mark, "", "not valid YAML: " + e.msg);
    } catch (const std::exception& e) {  // a decoder bug: this file fails, nothing else
      ctx.error(YAML::Mark::null_mark(), "",
                std::string("internal error while decoding this document: ") + e.what());
    }
  }
  reportInvalidUtf8OutsideFields(ctx, contents);
  reportDuplicatesInFile(ctx, pods);
  sortByPosition(result.diagnostics);
  if (!result.ok()) return result;
  for (auto& p : pods) {
    p.uid = podUid(p.pod.metadata, file);
    p.specHash = specHash(p.pod.spec);
  }
  result.pods = std::move(pods);
  return result;
}

}  // namespace podkeeper::manifests
