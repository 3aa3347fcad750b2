#include "runtime/sandbox/atomic_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>

#include "runtime/bundle/state_dir.h"
#include "runtime/sys/atomic_file.h"

namespace podkeeper::runtime {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDataLink = "..data";
constexpr const char* kDataLinkTmp = "..data_tmp";

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= path.size()) {
    const auto slash = path.find('/', pos);
    out.push_back(path.substr(pos, slash == std::string::npos ? slash : slash - pos));
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return out;
}

std::optional<std::string> readLink(const std::string& path) {
  std::error_code ec;
  auto target = fs::read_symlink(path, ec);
  if (ec) return std::nullopt;
  return target.string();
}

// Whether the version dir holds exactly these files with these modes (and nothing else).
bool holdsExactly(const std::string& versionDir, const std::vector<DownwardAPIFile>& files,
                  std::optional<int64_t> gid) {
  size_t regular = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(versionDir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) ++regular;
  }
  if (ec || regular != files.size()) return false;
  for (const auto& f : files) {
    const std::string path = versionDir + "/" + f.path;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    const mode_t want = static_cast<mode_t>(f.mode) | (gid ? 0440 : 0);
    if ((st.st_mode & 07777) != want) return false;
    auto content = readWholeFile(path);
    if (!content || *content != f.content) return false;
  }
  return true;
}

Result<void> own(const std::string& path, std::optional<int64_t> gid, mode_t mode) {
  if (!gid) return {};
  if (::lchown(path.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(*gid)) != 0) {
    return failSys(errno, "chown " + path);
  }
  if (::chmod(path.c_str(), mode) != 0) return failSys(errno, "chmod " + path);
  return {};
}

Result<void> writeVersion(const std::string& versionDir, const std::vector<DownwardAPIFile>& files,
                          std::optional<int64_t> gid) {
  const mode_t dirMode = gid ? (0755 | S_ISGID) : 0755;
  if (auto r = own(versionDir, gid, dirMode); !r) return r;
  for (const auto& f : files) {
    const auto parts = splitPath(f.path);
    std::string path = versionDir;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      path += "/" + parts[i];
      if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
        return failSys(errno, "mkdir " + path);
      if (auto r = own(path, gid, dirMode); !r) return r;
    }
    path = versionDir + "/" + f.path;
    const mode_t mode = static_cast<mode_t>(f.mode);
    if (auto r = writeFileAtomic(path, f.content, mode); !r) return r;
    // The kubelet sets the mode after writing: the umask must not change it.
    if (::chmod(path.c_str(), mode) != 0) return failSys(errno, "chmod " + path);
    if (auto r = own(path, gid, mode | 0440); !r) return r;
  }
  return {};
}

}  // namespace

std::string timestampDirName(int64_t realtimeNs) {
  const time_t seconds = static_cast<time_t>(realtimeNs / 1'000'000'000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char buf[64];
  std::strftime(buf, sizeof buf, "..%Y_%m_%d_%H_%M_%S.", &utc);
  return buf + std::to_string(realtimeNs % 1'000'000'000);
}

std::string checkPayload(const std::vector<DownwardAPIFile>& files) {
  std::set<std::string> seen;
  for (const auto& f : files) {
    const std::string what = "path \"" + f.path + "\" ";
    if (f.path.empty()) return "an empty path";
    if (f.path.front() == '/') return what + "must be relative";
    for (const auto& part : splitPath(f.path)) {
      if (part.empty() || part == ".") return what + "must be a clean path";
      if (part.starts_with("..")) return what + "must not have a component starting with '..'";
    }
    if (!seen.insert(f.path).second) return what + "is used twice";
    if (f.mode < 0 || f.mode > 0777) return what + "has an invalid mode";
  }
  return "";
}

std::set<std::string> userVisibleNames(const std::vector<DownwardAPIFile>& files) {
  std::set<std::string> names;
  for (const auto& f : files) names.insert(splitPath(f.path).front());
  return names;
}

Result<bool> writeAtomically(const std::string& dir, const std::vector<DownwardAPIFile>& files,
                             std::optional<int64_t> gid, int64_t nowNs) {
  if (auto why = checkPayload(files); !why.empty()) return failMsg(dir + ": " + why);
  if (auto r = makeDirs(dir, 0755); !r) return fail(r.error());
  const auto old = readLink(dir + "/" + kDataLink);
  if (old && holdsExactly(dir + "/" + *old, files, gid)) return false;

  const std::string version = timestampDirName(nowNs);
  const std::string versionDir = dir + "/" + version;
  if (::mkdir(versionDir.c_str(), 0755) != 0) return failSys(errno, "mkdir " + versionDir);
  if (auto r = writeVersion(versionDir, files, gid); !r) {
    std::error_code ec;
    fs::remove_all(versionDir, ec);
    return fail(r.error());
  }
  const std::string tmpLink = dir + "/" + kDataLinkTmp;
  ::unlink(tmpLink.c_str());  // left over from a crash
  if (::symlink(version.c_str(), tmpLink.c_str()) != 0) return failSys(errno, "symlink " + tmpLink);
  if (gid && ::lchown(tmpLink.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(*gid)) != 0) {
    return failSys(errno, "chown " + tmpLink);
  }
  if (::rename(tmpLink.c_str(), (dir + "/" + kDataLink).c_str()) != 0) {
    return failSys(errno, "rename " + tmpLink);
  }
  const auto names = userVisibleNames(files);
  for (const auto& name : names) {
    const std::string link = dir + "/" + name;
    if (readLink(link)) continue;
    if (::symlink((std::string(kDataLink) + "/" + name).c_str(), link.c_str()) != 0) {
      return failSys(errno, "symlink " + link);
    }
  }
  // What the previous version had and this one has not: its directory and stale links.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool oldVersion = old && name == *old;
    const bool staleLink = !name.starts_with("..") && !names.contains(name) &&
                           entry.is_symlink(ec) &&
                           readLink(entry.path().string()) == std::string(kDataLink) + "/" + name;
    if (oldVersion) fs::remove_all(entry.path(), ec);
    if (staleLink) fs::remove(entry.path(), ec);
  }
  return true;
}

}  // namespace podkeeper::runtime
