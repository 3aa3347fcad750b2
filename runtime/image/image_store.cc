#include "runtime/image/image_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/unique_fd.h"
#include "runtime/sys/small_file.h"

namespace podkeeper::runtime {
namespace {

bool validComponent(std::string_view c) {
  if (c.empty() || c == "." || c == "..") return false;
  for (char ch : c) {
    if (ch == '\0' || ch == '\\') return false;
  }
  return true;
}

bool validTag(std::string_view t) {
  if (!validComponent(t)) return false;
  return t.find('/') == std::string_view::npos;
}

}  // namespace

Result<std::string> resolveImageRootfs(const std::string& imageDir, const std::string& imageRef) {
  const std::string quoted = "image \"" + imageRef + "\"";
  if (imageRef.empty()) return failMsg("image reference is empty");
  if (imageRef.find('@') != std::string::npos) {
    return failMsg(quoted + ": digest references are not supported; use NAME:TAG");
  }
  if (imageRef.front() == '/') return failMsg(quoted + ": must not be an absolute path");

  // A ':' after the last '/' separates the tag; one before it belongs to a host:port.
  std::string name = imageRef;
  std::string tag = "latest";
  const auto lastSlash = imageRef.rfind('/');
  const auto colon = imageRef.rfind(':');
  if (colon != std::string::npos && (lastSlash == std::string::npos || colon > lastSlash)) {
    name = imageRef.substr(0, colon);
    tag = imageRef.substr(colon + 1);
  }
  if (!validTag(tag)) return failMsg(quoted + ": invalid tag \"" + tag + "\"");

  std::string_view rest = name;
  while (true) {
    const auto slash = rest.find('/');
    if (!validComponent(rest.substr(0, slash))) {
      return failMsg(quoted + ": invalid name component \"" + std::string(rest.substr(0, slash)) +
                     "\"");
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return imageDir + "/" + name + "/" + tag + "/rootfs";
}

Result<std::string> readImageUser(const std::string& rootfs) {
  const std::string dir = rootfs + "/..";
  const std::string file = dir + "/config.json";
  auto text = readSmallFile(dir, "config.json", {.maxBytes = kMaxImageConfigBytes});
  if (!text && text.error().code == ENOENT) return std::string();
  if (!text) return fail(text.error());
  const auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return failMsg(file + ": not a JSON object");
  const auto config = j.find("config");
  if (config == j.end() || config->is_null()) return std::string();
  const auto user = config->is_object() ? config->find("User") : config->end();
  if (user == config->end() || user->is_null()) return std::string();
  if (!user->is_string()) return failMsg(file + ": field config.User: expected a string");
  return user->get<std::string>();
}

Result<std::string> readImageFile(const std::string& rootfs, const std::string& path) {
  auto text =
      readSmallFile(rootfs, path, {.maxBytes = kMaxImageFileBytes, .followSymlinksInRoot = true});
  if (!text && text.error().code == ENOENT) return std::string();
  if (!text) return fail(text.error().context("image file"));
  return text;
}

Result<std::string> findImageRootfs(const std::string& imageDir, const std::string& imageRef) {
  auto rootfs = resolveImageRootfs(imageDir, imageRef);
  if (!rootfs) return rootfs;
  struct stat st {};
  if (::stat(rootfs->c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return failMsg("image \"" + imageRef + "\" not found: " + *rootfs + " does not exist");
  }
  return rootfs;
}

}  // namespace podkeeper::runtime
