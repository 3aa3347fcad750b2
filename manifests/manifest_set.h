#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/decode.h"

namespace podkeeper::manifests {

// What a directory of manifest files currently asks for, fed by the watcher (which does the
// I/O) and read as a snapshot by the reconciler. No I/O here.
// Rules (docs/architecture.md#manifest-files): a file that fails to decode keeps its last good
// pods; two files naming the same namespace/name: the one whose path sorts first wins, the
// other is reported.
class ManifestSet {
 public:
  struct Problem {
    std::string file;
    std::vector<Diagnostic> diagnostics;  // the errors of the file's latest version
  };
  struct Snapshot {
    // key "namespace/name". A file's pods are decoded once and shared by every snapshot
    // until the file changes: a reader tells an unchanged pod by its pointer, and a snapshot
    // of 200 pods copies no pod.
    std::map<std::string, SharedPod> pods;
    std::map<std::string, std::string> sourceOf;  // key -> file
    std::vector<Problem> problems;       // files whose latest version failed (last good kept)
    std::vector<Diagnostic> duplicates;  // one per losing document, naming both files
  };

  // Returns the decode result of the new contents (so the caller can log its diagnostics).
  DecodeResult update(const std::string& file, std::string_view contents);
  // update() with the contents decoded elsewhere (decodeManifest(file, contents)).
  DecodeResult apply(const std::string& file, DecodeResult decoded);
  void remove(const std::string& file);
  std::vector<std::string> files() const;
  bool contains(const std::string& file) const { return files_.contains(file); }
  bool hasLastGood(const std::string& file) const;
  // A version of `file` that decoded before (saved by an earlier agent): its pods become the
  // file's last good ones, the errors of its latest version stay reported. Returns false
  // (and changes nothing) when `contents` does not decode either.
  bool restoreLastGood(const std::string& file, std::string_view contents);
  Snapshot snapshot() const;

 private:
  struct FileState {
    std::vector<SharedPod> lastGood;
    std::vector<Diagnostic> latestErrors;
  };
  std::map<std::string, FileState> files_;
};

enum class FileKind { Manifest, Hidden, Backup, OtherExtension };

// *.yaml, *.yml, *.json are manifests; dotfiles, editor backups (*~ *.swp *.bak *.orig) and
// every other extension are ignored (and reported once by the watcher).
FileKind classifyFileName(std::string_view name);

}  // namespace podkeeper::manifests
