#include "agent/manifest_watcher.h"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "manifests/file_rules.h"
#include "manifests/sha256.h"
#include "runtime/bundle/state_dir.h"
#include "runtime/sys/atomic_file.h"

namespace podkeeper::agent {
namespace {

namespace fs = std::filesystem;
using manifests::FileKind;

constexpr uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// A file modified this recently, seen by the relist and not by an event, may still be
// being written: its close event will bring it.
constexpr auto kSettle = std::chrono::seconds(2);

// Loop time given to queued file events at a time: 200 files dropped at once are read,
// decoded and published in slices, with the loop's other work (HTTP, finished starts) in
// between, instead of in one stretch of a hundred milliseconds.
constexpr auto kSlice = std::chrono::milliseconds(2);

// Files decoded ahead in one job: a burst's first pods are published after a few files, not
// after all of them.
constexpr size_t kDecodeBatch = 16;
// At most this many files waiting to be read (and none being decoded): decoded on the loop, a
// fifth of a millisecond each, rather than through the decoder thread and back (two thread
// wake-ups on a single pod's start path).
constexpr size_t kDecodeOnLoop = 2;

const char* ignoredWhy(FileKind k) {
  switch (k) {
    case FileKind::Hidden:
      return "a dotfile";
    case FileKind::Backup:
      return "an editor backup";
    case FileKind::OtherExtension:
      return "not .yaml, .yml or .json";
    case FileKind::Manifest:
      break;
  }
  return "";
}

int64_t nsOf(const timespec& t) { return int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

bool modifiedWithin(const struct stat& st, std::chrono::nanoseconds window) {
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return now - nsOf(st.st_mtim) < window.count();
}

}  // namespace

ManifestWatcher::ManifestWatcher(boost::asio::io_context& io, std::string dir,
                                 std::chrono::milliseconds relistInterval, OnChange onChange,
                                 std::string lastGoodDir)
    : io_(io),
      dir_(std::move(dir)),
      lastGoodDir_(std::move(lastGoodDir)),
      relistInterval_(relistInterval),
      onChange_(std::move(onChange)),
      inotify_(io),
      relistTimer_(io),
      sliceTimer_(io) {
  if (!lastGoodDir_.empty()) lastGoodWriter_ = std::make_unique<boost::asio::thread_pool>(1);
}

ManifestWatcher::~ManifestWatcher() {
  decoder_->join();  // its results are posted to the loop, which checks stopped_ (set by stop())
  if (lastGoodWriter_) lastGoodWriter_->join();  // without stop(): runs what is queued first
}

Result<void> ManifestWatcher::start() {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return failSys(errno, "inotify_init1");
  inotify_.assign(fd);
  if (::inotify_add_watch(fd, dir_.c_str(), kWatchMask) < 0)
    return failSys(errno, "watching manifest directory " + dir_);
  if (!lastGoodDir_.empty())
    if (auto r = runtime::makePrivateDir(lastGoodDir_); !r) return r;
  spdlog::info("watching {} for pod manifests (relist every {}s)", dir_,
               relistInterval_.count() / 1000);
  started_ = true;
  relist(true);
  armRead();
  armRelist();
  return {};
}

void ManifestWatcher::stop() {
  stopped_ = true;
  relistTimer_.cancel();
  sliceTimer_.cancel();
  boost::system::error_code ec;
  inotify_.close(ec);
}

void ManifestWatcher::armRead() {
  inotify_.async_read_some(boost::asio::buffer(eventBuf_),
                           [this](const boost::system::error_code& ec, size_t n) {
                             if (ec || stopped_) return;
                             onEvents(n);
                             armRead();
                           });
}

void ManifestWatcher::onEvents(size_t bytes) {
  for (size_t off = 0; off < bytes;) {
    auto* ev = reinterpret_cast<const inotify_event*>(eventBuf_.data() + off);
    off += sizeof(inotify_event) + ev->len;
    if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
      spdlog::error(
          "manifest directory {} was removed or moved; its pods stay as they are "
          "until it is back (relist)",
          dir_);
      continue;
    }
    if (ev->mask & IN_Q_OVERFLOW) {
      pending_.clear();  // the relist reads every file
      decoded_.clear();
      decodedEvents_ = decodingEvents_ = 0;
      ++pendingGeneration_;
      relist(false);
      return;
    }
    if (ev->len == 0) continue;
    pending_.push_back({ev->mask, std::string(ev->name)});
  }
  decodeAhead();
}

void ManifestWatcher::decodeAhead() {
  if (decodingEvents_ > 0 || stopped_) return;
  // The events after those decoded: up to kDecodeBatch files to read (removals need none).
  std::vector<std::string> paths;
  size_t events = 0;
  for (size_t i = decodedEvents_; i < pending_.size() && paths.size() < kDecodeBatch; ++i) {
    ++events;
    const PendingEvent& ev = pending_[i];
    if ((ev.mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) &&
        manifests::classifyFileName(ev.name) == FileKind::Manifest)
      paths.push_back(dir_ + "/" + ev.name);
  }
  if (events == 0) return;
  // No file, or a few and nothing after them: load() decodes them on the loop.
  if (paths.size() <= kDecodeOnLoop && decodedEvents_ + events == pending_.size()) {
    decodedEvents_ += events;
    applyPending();
    return;
  }
  decodingEvents_ = events;
  auto done = std::make_shared<std::vector<std::pair<std::string, DecodedFile>>>();
  boost::asio::post(*decoder_, [this, io = &io_, paths = std::move(paths), done,
                                generation = pendingGeneration_, alive = std::weak_ptr(alive_)] {
    // Reads and decoding only (pure): what the loop does with them is decided there.
    for (const auto& path : paths) {
      auto read = manifests::readManifestFile(path);
      if (!read.error.empty()) continue;  // the loop reads it again and reports
      done->emplace_back(path, DecodedFile{manifests::sha256Hex(read.contents),
                                           manifests::decodeManifest(path, read.contents)});
    }
    boost::asio::post(*io, [this, done, generation, alive] {
      if (alive.expired() || stopped_) return;
      if (generation == pendingGeneration_) {
        for (auto& [path, file] : *done) decoded_.insert_or_assign(path, std::move(file));
        decodedEvents_ += decodingEvents_;
      }
      decodingEvents_ = 0;
      applyPending();
      decodeAhead();
    });
  });
}

void ManifestWatcher::applyPending() {
  const auto until = std::chrono::steady_clock::now() + kSlice;
  bool changed = false;
  while (decodedEvents_ > 0 && std::chrono::steady_clock::now() < until) {
    const PendingEvent ev = std::move(pending_.front());
    pending_.pop_front();
    --decodedEvents_;
    if (ev.mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
      changed |= load(ev.name, true);
    else if (ev.mask & (IN_MOVED_FROM | IN_DELETE))
      changed |= forget(ev.name);
  }
  if (changed) publish(false);
  if (decodedEvents_ == 0 || sliceArmed_) return;
  sliceArmed_ = true;
  sliceTimer_.expires_after(std::chrono::seconds(0));
  sliceTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    sliceArmed_ = false;
    applyPending();
  });
}

void ManifestWatcher::armRelist() {
  relistTimer_.expires_after(relistInterval_);
  relistTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    relist(false);
    armRelist();
  });
}

void ManifestWatcher::relist(bool initial) {
  std::set<std::string> present;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.is_regular_file(ec)) present.insert(entry.path().filename().string());
  }
  // In name order, so that at the directory's caps the files that sort first are the ones read.
  const auto errorsBefore = readErrors_;
  bool changed = false;
  for (const auto& name : present) changed |= load(name, initial);
  if (ec) {
    // Keep what runs: an unreadable directory is not an empty one.
    spdlog::error("listing manifest directory {}: {}; keeping the pods as they are", dir_,
                  ec.message());
    return;
  }
  for (const auto& path : set_.files()) {
    if (sourceDocuments_.contains(path)) continue;  // not a file of the directory
    std::string name = fs::path(path).filename().string();
    if (!present.contains(name)) changed |= forget(name);
  }
  // Copies of files removed while no agent ran: their pods go, as the files did.
  if (initial && !lastGoodDir_.empty())
    for (const auto& entry : fs::directory_iterator(lastGoodDir_, ec))
      if (!present.contains(entry.path().filename().string()))
        dropLastGood(entry.path().filename());
  for (auto it = readErrors_.begin(); it != readErrors_.end();) {
    if (!present.contains(fs::path(it->first).filename().string())) {
      it = readErrors_.erase(it);
    } else {
      ++it;
    }
  }
  // Duplicates and broken files are reported at every relist; what the directory asks for is
  // published when it changed (the safety net found what no event brought).
  if (changed || initial || readErrors_ != errorsBefore)
    publish(true);
  else
    reportProblems();
}

bool ManifestWatcher::load(const std::string& name, bool fromEvent) {
  auto kind = manifests::classifyFileName(name);
  std::string path = dir_ + "/" + name;
  if (kind != FileKind::Manifest) {
    if (reportedIgnored_.insert(name).second)
      spdlog::info("ignoring {}: {}", path, ignoredWhy(kind));
    return false;
  }
  auto ahead = decoded_.extract(path);  // used below if the file still holds what it decoded
  // The relist (no event) skips a file it fed as it is now (same inode, size, mtime, ctime,
  // unchanged for kSettle before that read: no write in the same timestamp tick can hide),
  // and one modified within kSettle: it may still be being written, its close event brings
  // it. A file that could not be used is tried again.
  struct stat st {};
  const bool statted = ::stat(path.c_str(), &st) == 0;
  const FileId id =
      statted ? FileId{st.st_dev, st.st_ino, st.st_size, nsOf(st.st_mtim), nsOf(st.st_ctim)}
              : FileId{};
  if (!fromEvent && statted && digests_.contains(path)) {
    const auto fed = fedFiles_.find(path);
    if (fed != fedFiles_.end() && fed->second == id && !readErrors_.contains(path)) return false;
    if (modifiedWithin(st, kSettle)) return false;
  }
  fedFiles_.erase(path);
  auto refuse = [&](const std::string& why) {
    if (readErrors_[path] != why) spdlog::error("{}", why);
    readErrors_[path] = why;
    return restoreLastGood(name);  // the last good version, if any, stays
  };
  if (auto why = budget_.mayRead(path); !why.empty()) return refuse(why);
  auto read = manifests::readManifestFile(path);
  if (!read.error.empty()) return refuse(read.error);
  if (auto why = budget_.hold(path, read.contents.size()); !why.empty()) return refuse(why);
  readErrors_.erase(path);
  std::string digest = manifests::sha256Hex(read.contents);
  // Read after that stat: unless it changed since, this is what the file holds.
  if (statted && !modifiedWithin(st, kSettle)) fedFiles_[path] = id;
  auto old = digests_.find(path);
  if (old != digests_.end() && old->second == digest) return false;
  // Decoded ahead off the loop (decodeAhead) when the file still holds what was decoded.
  const bool decodedAhead = !ahead.empty() && ahead.mapped().digest == digest;
  digests_[path] = std::move(digest);
  auto result = decodedAhead ? set_.apply(path, std::move(ahead.mapped().result))
                             : set_.update(path, read.contents);
  for (const auto& d : result.diagnostics) {
    if (d.severity == manifests::Diagnostic::Severity::Error)
      spdlog::error("{}", d.str());
    else
      spdlog::warn("{}", d.str());
  }
  if (!result.ok()) {
    spdlog::error("{}: not applied; the pods it defined before, if any, keep running", path);
    restoreLastGood(name);
  } else {
    spdlog::info("{}: {} pod(s) loaded", path, result.pods.size());
    saveLastGood(name, read.contents);
  }
  return true;
}

bool ManifestWatcher::forget(const std::string& name) {
  std::string path = dir_ + "/" + name;
  // A file that was never readable may still hold pods restored from its last good copy.
  decoded_.erase(path);
  bool known = digests_.erase(path) > 0 || set_.contains(path);
  fedFiles_.erase(path);
  budget_.release(path);
  readErrors_.erase(path);
  reportedIgnored_.erase(name);
  dropLastGood(name);
  if (!known) return false;
  set_.remove(path);
  spdlog::info("{}: removed; its pods will be stopped", path);
  return true;
}

void ManifestWatcher::saveLastGood(const std::string& name, std::string_view contents) {
  if (!lastGoodWriter_) return;
  boost::asio::post(*lastGoodWriter_, [copy = lastGoodDir_ + "/" + name, path = dir_ + "/" + name,
                                       text = std::string(contents)] {
    if (auto r = runtime::replaceFile(copy, text); !r)
      spdlog::warn("{}: keeping its last good version for the next agent: {}", path,
                   r.error().message);
  });
}

void ManifestWatcher::dropLastGood(const std::string& name) {
  if (!lastGoodWriter_) return;
  {
    std::lock_guard l(pendingDrops_->mu);
    ++pendingDrops_->byName[name];
  }
  boost::asio::post(
      *lastGoodWriter_, [copy = lastGoodDir_ + "/" + name, name, pending = pendingDrops_] {
        if (::unlink(copy.c_str()) != 0 && errno != ENOENT)
          spdlog::warn("{}: {}", copy, std::strerror(errno));
        std::lock_guard l(pending->mu);
        if (auto it = pending->byName.find(name); it != pending->byName.end() && --it->second <= 0)
          pending->byName.erase(it);
      });
}

bool ManifestWatcher::restoreLastGood(const std::string& name) {
  const std::string path = dir_ + "/" + name;
  if (lastGoodDir_.empty() || set_.hasLastGood(path)) return false;
  {
    std::lock_guard l(pendingDrops_->mu);
    if (pendingDrops_->byName.contains(name)) return false;  // removed, as far as we know
  }
  const std::string copy = lastGoodDir_ + "/" + name;
  auto saved = runtime::readWholeFile(copy);
  if (!saved) return false;
  if (!set_.restoreLastGood(path, *saved)) {
    spdlog::warn("{}: its saved last good version {} no longer decodes; not used", path, copy);
    return false;
  }
  spdlog::warn("{}: running the last version of it that decoded, saved by an earlier run ({})",
               path, copy);
  return true;
}

bool ManifestWatcher::setSourceDocument(const std::string& source, std::string_view contents) {
  bool ok = true;
  if (feedSource(source, contents, &ok) && started_ && !stopped_) publish(false);
  return ok;
}

void ManifestWatcher::replaceSourceDocuments(const std::string& namePrefix,
                                             const std::map<std::string, std::string>& docs) {
  bool changed = false;
  for (auto it = sourceDocuments_.begin(); it != sourceDocuments_.end();) {
    const std::string& name = *it;
    if (name.starts_with(namePrefix) && !docs.contains(name.substr(namePrefix.size()))) {
      digests_.erase(name);
      sourceErrors_.erase(name);
      set_.remove(name);
      spdlog::info("{}: removed; its pods will be stopped", name);
      it = sourceDocuments_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  for (const auto& [key, contents] : docs)
    changed |= feedSource(namePrefix + key, contents, nullptr);
  if (changed && started_ && !stopped_) publish(false);
}

bool ManifestWatcher::feedSource(const std::string& source, std::string_view contents, bool* ok) {
  sourceDocuments_.insert(source);
  std::string digest = manifests::sha256Hex(contents);
  auto old = digests_.find(source);
  if (old != digests_.end() && old->second == digest) {
    if (ok) {
      // Unchanged: it decoded iff the set has no errors for it.
      *ok = true;
      for (const auto& p : set_.snapshot().problems)
        if (p.file == source) *ok = false;
    }
    return false;
  }
  digests_[source] = std::move(digest);
  auto result = set_.update(source, contents);
  for (const auto& d : result.diagnostics) {
    if (d.severity == manifests::Diagnostic::Severity::Error)
      spdlog::error("{}", d.str());
    else
      spdlog::warn("{}", d.str());
  }
  if (!result.ok())
    spdlog::error("{}: not applied; the pods it defined before, if any, keep running", source);
  else
    spdlog::info("{}: {} pod(s) loaded", source, result.pods.size());
  if (ok) *ok = result.ok();
  return true;
}

void ManifestWatcher::removeSourceDocument(const std::string& source) {
  sourceErrors_.erase(source);
  if (!sourceDocuments_.erase(source)) return;
  digests_.erase(source);
  set_.remove(source);
  spdlog::info("{}: removed; its pods will be stopped", source);
  if (started_ && !stopped_) publish(false);
}

void ManifestWatcher::setSourceError(const std::string& source, const std::string& why) {
  bool changed = why.empty() ? sourceErrors_.erase(source) > 0 : sourceErrors_[source] != why;
  if (!why.empty()) sourceErrors_[source] = why;
  if (changed && started_ && !stopped_) publish(false);
}

void ManifestWatcher::publish(bool report) {
  Published p;
  p.snapshot = set_.snapshot();
  p.filesWithErrors = int(p.snapshot.problems.size() + readErrors_.size() + sourceErrors_.size());
  problems_.clear();
  for (const auto& d : p.snapshot.duplicates) problems_.push_back(d.str());
  for (const auto& problem : p.snapshot.problems)
    problems_.push_back(problem.file +
                        ": has errors; its last good version (if any) stays in effect");
  if (report) reportProblems();
  onChange_(std::move(p));
}

void ManifestWatcher::reportProblems() const {
  for (const auto& line : problems_) spdlog::warn("{}", line);
}

}  // namespace podkeeper::agent
