#pragma once

#include <termios.h>

#include <optional>
#include <string>
#include <string_view>

// The client side of attach that is about the local terminal and the keys typed into it.
namespace podkeeper::cli {

// Raw mode on fd for the life of the object (as kubectl's term.MakeRaw); restored after.
class RawTerminal {
 public:
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  std::optional<termios> saved_;
};

// Finds docker's and kubectl's detach sequence, ctrl-p ctrl-q, in what is typed, across
// reads: a ctrl-p is held back until the next byte shows whether it starts the sequence.
class DetachKeys {
 public:
  struct Result {
    std::string forward;  // what goes to the container
    bool detach = false;  // the sequence was typed: nothing after it is forwarded
  };
  Result feed(std::string_view typed);

 private:
  bool heldCtrlP_ = false;
};

}  // namespace podkeeper::cli
