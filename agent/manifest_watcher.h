#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "common/error.h"
#include "manifests/file_rules.h"
#include "manifests/manifest_set.h"

namespace podkeeper::agent {

// The manifest source (docs/architecture.md#manifest-files): inotify on one directory through
// the loop, plus a full relist on a timer as the safety net. Reads files and feeds the
// ManifestSet; publishes a snapshot whenever what the directory asks for may have changed.
class ManifestWatcher {
 public:
  struct Published {
    manifests::ManifestSet::Snapshot snapshot;
    int filesWithErrors = 0;  // decode errors plus unreadable files
  };
  using OnChange = std::function<void(Published)>;  // the receiver may keep it (moved)

  // lastGoodDir ("" = none): where the last version of each file that decoded is kept, so
  // that an agent restarted while a file is broken or unreadable keeps running its pods.
  ManifestWatcher(boost::asio::io_context& io, std::string dir,
                  std::chrono::milliseconds relistInterval, OnChange onChange,
                  std::string lastGoodDir = "");
  // Waits for the last good copies still being written.
  ~ManifestWatcher();
  ManifestWatcher(const ManifestWatcher&) = delete;
  ManifestWatcher& operator=(const ManifestWatcher&) = delete;

  // Reads the directory once (synchronously, so the first snapshot exists before the
  // reconciler starts) and starts watching. Fails when the directory cannot be watched.
  Result<void> start();
  void stop();

  // Other manifest sources (--manifest-url, etcd keys): a document named `source` (a URL, an
  // etcd key), merged with the directory's files by the same rules. Called on the loop, before
  // or after start(); publishes when the decoded contents changed (after start()). Returns
  // whether the document decoded (its pods replace the source's; else the last good stay).
  bool setSourceDocument(const std::string& source, std::string_view contents);
  void removeSourceDocument(const std::string& source);
  // Makes the documents named `namePrefix`+key exactly `docs` (key -> contents): new and
  // changed ones are fed, the others of that prefix removed; publishes once.
  void replaceSourceDocuments(const std::string& namePrefix,
                              const std::map<std::string, std::string>& docs);
  // Why a source could not be read now ("" = it can); counted as a file with errors.
  void setSourceError(const std::string& source, const std::string& why);

 private:
  void armRead();
  void onEvents(size_t bytes);
  // Applies queued events for at most a slice of loop time; the rest after whatever else
  // waits on the loop. Only events whose files were decoded ahead (or need no decoding).
  void applyPending();
  // Reads and decodes on decoder_ the files of the next queued events (at most
  // kDecodeBatch), one batch at a time; its results are applied on the loop, in order.
  void decodeAhead();
  void armRelist();
  void relist(bool initial);
  // Reads one file into the set; returns true when its decoded contents changed.
  bool load(const std::string& name, bool fromEvent);
  bool forget(const std::string& name);
  // The copy in lastGoodDir_ of a file that decoded, kept in step with the directory. Written
  // and removed on lastGoodWriter_ (one thread, in the order asked): a new file on ext4 after
  // mass deletions took milliseconds, a fifth of the loop's time when 200 files arrived.
  void saveLastGood(const std::string& name, std::string_view contents);
  void dropLastGood(const std::string& name);
  // For a file that cannot be used now and whose last good version this agent never saw:
  // that version from lastGoodDir_. True when the set changed.
  bool restoreLastGood(const std::string& name);
  void publish(bool report);
  // Logs the duplicates and broken files of the last snapshot published (problems_).
  void reportProblems() const;
  // Feeds one source document; true when what the set holds changed.
  bool feedSource(const std::string& source, std::string_view contents, bool* ok);

  boost::asio::io_context& io_;
  std::string dir_;
  std::string lastGoodDir_;
  std::unique_ptr<boost::asio::thread_pool> lastGoodWriter_;  // set with lastGoodDir_
  // Removals of copies asked for and not yet done, by name (the writer counts them down): a
  // copy is never restored from the disk while its removal is pending.
  struct PendingDrops {
    std::mutex mu;
    std::map<std::string, int> byName;
  };
  std::shared_ptr<PendingDrops> pendingDrops_ = std::make_shared<PendingDrops>();
  std::chrono::milliseconds relistInterval_;
  OnChange onChange_;
  boost::asio::posix::stream_descriptor inotify_;
  boost::asio::steady_timer relistTimer_;
  std::array<char, 16 * 1024> eventBuf_{};
  struct PendingEvent {
    uint32_t mask;
    std::string name;
  };
  std::deque<PendingEvent> pending_;
  // The first decodedEvents_ of pending_ had their files decoded ahead (decoded_); the next
  // decodingEvents_ are being decoded. A file's decoding is used when its contents are still
  // what was decoded (the same digest), else it is decoded again on the loop.
  struct DecodedFile {
    std::string digest;
    manifests::DecodeResult result;
  };
  std::map<std::string, DecodedFile> decoded_;  // path -> its decoding
  size_t decodedEvents_ = 0;
  size_t decodingEvents_ = 0;
  uint64_t pendingGeneration_ = 0;  // changes when pending_ is dropped (an overflow)
  std::unique_ptr<boost::asio::thread_pool> decoder_ =
      std::make_unique<boost::asio::thread_pool>(1);
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // a decoding's result checks it
  boost::asio::steady_timer sliceTimer_;
  bool sliceArmed_ = false;
  manifests::ManifestSet set_;
  std::map<std::string, std::string> digests_;     // path -> sha256 of what the set was fed
  manifests::ManifestDirBudget budget_;            // files and bytes in use, capped
  std::map<std::string, std::string> readErrors_;  // path -> why it could not be read
  // path -> the identity (stat) of the file when it was last read and fed, if it had not
  // been modified for kSettle then: the relist skips a file that still has it.
  struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    int64_t mtimeNs = 0, ctimeNs = 0;
    bool operator==(const FileId&) const = default;
  };
  std::map<std::string, FileId> fedFiles_;
  std::vector<std::string> problems_;  // duplicates and broken files in the last snapshot
  std::set<std::string> reportedIgnored_;
  std::set<std::string> sourceDocuments_;            // names fed by setSourceDocument
  std::map<std::string, std::string> sourceErrors_;  // source -> why it cannot be read
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace podkeeper::agent
