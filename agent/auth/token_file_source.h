#pragma once

#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "agent/auth/token_file.h"
#include "common/background_work.h"

namespace podkeeper::auth {

// --token-auth-file, reloaded when it changes: every interval a worker stats the file
// (mtime, size, inode) and, when that changed, reads and parses it; the new table replaces the
// old on the loop. A file that no longer parses keeps the last good table (logged).
class TokenFileSource {
 public:
  TokenFileSource(boost::asio::io_context& io, std::string path,
                  std::chrono::milliseconds interval = std::chrono::seconds(5));
  // The first load, before serving (may block: called at start-up).
  Result<void> load();
  void startWatching();
  void stop();
  const TokenTable* table() const { return table_.get(); }

 private:
  struct Loaded {
    struct stat st {};
    std::shared_ptr<const TokenTable> table;  // null: unchanged or failed
    std::string error;
  };
  static Loaded read(const std::string& path, const struct stat& previous);
  void arm();

  std::string path_;
  std::chrono::milliseconds interval_;
  boost::asio::steady_timer timer_;
  struct stat seen_ {};
  std::shared_ptr<const TokenTable> table_ = std::make_shared<TokenTable>();
  bool stopped_ = false;
  BackgroundWork worker_;  // destroyed first: waits for a read in progress
};

}  // namespace podkeeper::auth
