#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "common/unique_fd.h"

namespace podkeeper::runtime {

// Which watched directories changed since the last take(), by inotify: an entry of a watched
// directory created, written, renamed in or out, its attributes changed or removed, or the
// directory itself removed or moved, marks the owner the directory was watched for. What a
// reader saw of a directory it watched before reading stays what is there until take()
// reports the owner (the kernel queues the event before the changing call returns). CRI-O
// watches conmon's exit files the same way. Thread-safe.
//
// Without inotify (no instance left), or when the kernel's queue overflowed, take() says every
// owner may have changed; a directory watch() could not add (the watch limit) is for the
// caller to treat as never unchanged.
class ChangedDirs {
 public:
  ChangedDirs();

  bool active() const { return fd_.valid(); }
  // Watches dir's entries for owner (again: a no-op for the kernel). false when not watched.
  bool watch(const std::string& dir, const std::string& owner);

  struct Changes {
    bool all = false;  // inactive or overflowed: any owner may have changed
    std::set<std::string> owners;
  };
  // The owners of every directory with a change since the previous take(). Never blocks.
  Changes take();

  size_t watches() const;

 private:
  UniqueFd fd_;
  mutable std::mutex mu_;
  std::map<int, std::string> owners_;  // watch descriptor -> owner
};

}  // namespace podkeeper::runtime
