#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The attach protocol, spoken by the shim on its attach socket (one frame per SOCK_SEQPACKET
// packet), relayed by the agent over an upgraded HTTP connection (frames back to back on a
// byte stream) and spoken by `podkeeper attach`. Pure: no I/O, no allocation but the encoder's.
//
// A frame: type (1 byte), payload length (2 bytes, big-endian), payload.
namespace podkeeper::runtime {

enum class AttachFrameType : char {
  Stdin = 'i',       // client -> shim: bytes for the container's stdin (or pty)
  Resize = 'w',      // client -> shim: rows, cols (2 bytes each, big-endian)
  CloseStdin = 'c',  // client -> shim: the client's stdin ended
  Stdout = 'o',      // shim -> client: the container's output (the pty's, with tty)
  Stderr = 'e',      // shim -> client
};

inline constexpr size_t kAttachHeaderBytes = 3;
inline constexpr size_t kAttachMaxPayload = 8192;
inline constexpr size_t kAttachMaxFrame = kAttachHeaderBytes + kAttachMaxPayload;

inline bool isAttachFrameType(char c) {
  return c == 'i' || c == 'w' || c == 'c' || c == 'o' || c == 'e';
}

// Writes the header for a payload of n bytes (n <= kAttachMaxPayload) into out[0..3).
inline void putAttachHeader(char* out, AttachFrameType type, size_t n) {
  out[0] = static_cast<char>(type);
  out[1] = static_cast<char>((n >> 8) & 0xff);
  out[2] = static_cast<char>(n & 0xff);
}

inline std::string encodeAttachFrame(AttachFrameType type, std::string_view payload) {
  std::string out(kAttachHeaderBytes, '\0');
  putAttachHeader(out.data(), type, payload.size());
  out.append(payload);
  return out;
}

inline std::string encodeAttachResize(uint16_t rows, uint16_t cols) {
  const char p[4] = {static_cast<char>(rows >> 8), static_cast<char>(rows & 0xff),
                     static_cast<char>(cols >> 8), static_cast<char>(cols & 0xff)};
  return encodeAttachFrame(AttachFrameType::Resize, std::string_view(p, 4));
}

struct AttachFrame {
  AttachFrameType type;
  std::string_view payload;  // points into the bytes parsed
  size_t size;               // header plus payload
};

enum class AttachParse { Frame, Incomplete, Invalid };

// The frame at the start of bytes. Invalid: an unknown type or a payload over the maximum
// (the connection is then closed: nothing after it can be trusted to be framed).
inline AttachParse parseAttachFrame(std::string_view bytes, AttachFrame& out) {
  if (bytes.empty()) return AttachParse::Incomplete;
  if (!isAttachFrameType(bytes[0])) return AttachParse::Invalid;
  if (bytes.size() < kAttachHeaderBytes) return AttachParse::Incomplete;
  const size_t n = (static_cast<size_t>(static_cast<unsigned char>(bytes[1])) << 8) |
                   static_cast<unsigned char>(bytes[2]);
  if (n > kAttachMaxPayload) return AttachParse::Invalid;
  if (bytes.size() < kAttachHeaderBytes + n) return AttachParse::Incomplete;
  out = {static_cast<AttachFrameType>(bytes[0]), bytes.substr(kAttachHeaderBytes, n),
         kAttachHeaderBytes + n};
  return AttachParse::Frame;
}

struct WindowSize {
  uint16_t rows = 0;
  uint16_t cols = 0;
};

inline std::optional<WindowSize> parseAttachResize(std::string_view payload) {
  if (payload.size() != 4) return std::nullopt;
  auto u16 = [&](size_t i) {
    return static_cast<uint16_t>((static_cast<unsigned char>(payload[i]) << 8) |
                                 static_cast<unsigned char>(payload[i + 1]));
  };
  return WindowSize{u16(0), u16(2)};
}

// Response headers of the agent's attach upgrade (GET /pods/NS/NAME/attach).
inline constexpr const char* kAttachUpgradeProtocol = "podkeeper-attach";

}  // namespace podkeeper::runtime
