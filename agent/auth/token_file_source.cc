#include "agent/auth/token_file_source.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace podkeeper::auth {
namespace {

bool sameFile(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

}  // namespace

TokenFileSource::TokenFileSource(boost::asio::io_context& io, std::string path,
                                 std::chrono::milliseconds interval)
    : path_(std::move(path)), interval_(interval), timer_(io), worker_(io, 1) {}

TokenFileSource::Loaded TokenFileSource::read(const std::string& path,
                                              const struct stat& previous) {
  Loaded out;
  if (::stat(path.c_str(), &out.st) != 0) {
    out.error = std::string("stat: ") + std::strerror(errno);
    out.st = previous;
    return out;
  }
  if (sameFile(out.st, previous)) return out;
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    out.error = "cannot be read";
    return out;
  }
  auto entries = parseTokenFile(text.str(), path);
  if (!entries) {
    out.error = entries.error().message;
    return out;
  }
  out.table = std::make_shared<const TokenTable>(*entries);
  return out;
}

Result<void> TokenFileSource::load() {
  Loaded l = read(path_, seen_);
  if (!l.table) return failMsg("--token-auth-file " + path_ + ": " + l.error);
  seen_ = l.st;
  table_ = l.table;
  spdlog::info("http: {} bearer tokens from {}", table_->size(), path_);
  return {};
}

void TokenFileSource::startWatching() { arm(); }

void TokenFileSource::stop() {
  stopped_ = true;
  timer_.cancel();
}

void TokenFileSource::arm() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    worker_.run([path = path_, seen = seen_] { return read(path, seen); },
                [this](Loaded l) {
                  if (!l.error.empty()) {
                    if (!sameFile(l.st, seen_))
                      spdlog::error("http: {}: {}; keeping the {} tokens loaded before", path_,
                                    l.error, table_->size());
                  } else if (l.table) {
                    table_ = l.table;
                    spdlog::info("http: {} changed: {} bearer tokens", path_, table_->size());
                  }
                  seen_ = l.st;
                  if (!stopped_) arm();
                });
  });
}

}  // namespace podkeeper::auth
