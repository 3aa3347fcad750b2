#pragma once

#include <string>

#include "common/error.h"
#include "common/unique_fd.h"

namespace podkeeper::image {

// flock(2) on a lock file for the life of the object: shared or exclusive. Each FileLock has
// its own open file description, so two threads of one process exclude each other too.
class FileLock {
 public:
  static Result<FileLock> acquire(const std::string& path, bool exclusive);

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace podkeeper::image
