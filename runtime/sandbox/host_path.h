#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/error.h"

// The kubelet's hostPath `type` checks (pkg/volume/hostpath): what a path must be before it
// is mounted, and what DirectoryOrCreate and FileOrCreate make when it is missing.
namespace podkeeper::runtime {

// What stat (which follows symlinks, as the kubelet's does) says a path is. Anything that
// is none of the others (a regular file, a FIFO) counts as a File, as in the kubelet.
enum class FileKind { Directory, File, Socket, CharDevice, BlockDevice };

FileKind fileKindOf(mode_t mode);

struct HostPathStep {
  enum class Action { Mount, MakeDirectory, MakeFile, Refuse };
  Action action = Action::Mount;
  std::string message;  // for Refuse: the kubelet's wording
};

// The decision for one hostPath volume: type as written in the manifest ("" = no check),
// existing = nullopt when the path does not exist.
HostPathStep hostPathCheck(const std::string& path, const std::string& type,
                           std::optional<FileKind> existing);

// Carries the decision out: stat, then mkdir -p (0755) or create the file (0644), as the
// kubelet does (both subject to the umask, FileOrCreate does not make parents), or refuse.
Result<void> prepareHostPath(const std::string& path, const std::string& type);

}  // namespace podkeeper::runtime
