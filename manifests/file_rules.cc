#include "manifests/file_rules.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "common/unique_fd.h"

namespace podkeeper::manifests {
namespace {

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string failure(const std::string& path, const std::string& why) { return path + ": " + why; }

std::string tooLarge(const std::string& path) {
  return failure(path, "larger than " + std::to_string(kMaxManifestBytes >> 20) +
                           " MiB; refusing to read it as a manifest");
}

}  // namespace

FileKind classifyFileName(std::string_view name) {
  if (size_t slash = name.rfind('/'); slash != std::string_view::npos) {
    name = name.substr(slash + 1);
  }
  if (name.empty() || name.front() == '.') return FileKind::Hidden;
  for (std::string_view backup : {"~", ".swp", ".bak", ".orig"}) {
    if (endsWith(name, backup)) return FileKind::Backup;
  }
  for (std::string_view ext : {".yaml", ".yml", ".json"}) {
    if (endsWith(name, ext) && name.size() > ext.size()) return FileKind::Manifest;
  }
  return FileKind::OtherExtension;
}

std::string ManifestDirBudget::mayRead(const std::string& path) const {
  if (held_.contains(path) || held_.size() < maxFiles_) return "";
  return failure(path, "not read: the manifest directory already holds " +
                           std::to_string(maxFiles_) + " manifest files, the most podkeeper reads");
}

std::string ManifestDirBudget::hold(const std::string& path, size_t bytes) {
  if (auto why = mayRead(path); !why.empty()) return why;
  auto it = held_.find(path);
  const size_t others = total_ - (it == held_.end() ? 0 : it->second);
  if (others + bytes > maxBytes_) {
    return failure(path, "not used: with it the manifest directory would hold more than " +
                             std::to_string(maxBytes_) + " bytes of manifests");
  }
  held_[path] = bytes;
  total_ = others + bytes;
  return "";
}

void ManifestDirBudget::release(const std::string& path) {
  auto it = held_.find(path);
  if (it == held_.end()) return;
  total_ -= it->second;
  held_.erase(it);
}

ManifestFileRead readManifestFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return {"", failure(path, std::string("cannot open: ") + std::strerror(errno))};
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return {"", failure(path, std::string("cannot stat: ") + std::strerror(errno))};
  }
  if (!S_ISREG(st.st_mode)) return {"", failure(path, "not a regular file")};
  if (static_cast<size_t>(st.st_size) > kMaxManifestBytes) return {"", tooLarge(path)};
  std::string contents;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {"", failure(path, std::string("cannot read: ") + std::strerror(errno))};
    if (n == 0) break;
    contents.append(buf, static_cast<size_t>(n));
    if (contents.size() > kMaxManifestBytes) return {"", tooLarge(path)};
  }
  return {std::move(contents), ""};
}

}  // namespace podkeeper::manifests
