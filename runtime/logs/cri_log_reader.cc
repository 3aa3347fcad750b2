#include "runtime/logs/cri_log_reader.h"

#include <filesystem>
#include <utility>

#include "runtime/logs/log_snapshot.h"

namespace podkeeper::runtime {

std::optional<CriLine> parseCriLine(std::string_view line) {
  size_t s1 = line.find(' ');
  if (s1 == std::string_view::npos) return std::nullopt;
  size_t s2 = line.find(' ', s1 + 1);
  if (s2 == std::string_view::npos) return std::nullopt;
  std::string_view stream = line.substr(s1 + 1, s2 - s1 - 1);
  std::string_view tag = line.substr(s2 + 1, 1);
  if ((stream != "stdout" && stream != "stderr") || (tag != "F" && tag != "P")) return std::nullopt;
  // The text follows one space after the tag; an empty line may end right after it.
  std::string_view text = line.size() > s2 + 3 ? line.substr(s2 + 3) : std::string_view{};
  return CriLine{std::string(line.substr(0, s1)), std::string(stream), tag == "P",
                 std::string(text)};
}

std::vector<std::string> CriLogAssembler::feed(std::string_view bytes) {
  std::vector<std::string> lines;
  for (auto& line : feedTimed(bytes)) lines.push_back(std::move(line.text));
  return lines;
}

std::vector<TimedLine> CriLogAssembler::feedTimed(std::string_view bytes) {
  std::vector<TimedLine> lines;
  pendingBytes_.append(bytes);
  size_t start = 0;
  for (size_t nl; (nl = pendingBytes_.find('\n', start)) != std::string::npos; start = nl + 1) {
    auto entry = parseCriLine(std::string_view(pendingBytes_).substr(start, nl - start));
    if (!entry) continue;
    if (!havePartial_) pendingTime_ = entry->time;
    pendingText_ += entry->text;
    havePartial_ = entry->partial;
    if (entry->partial) continue;
    lines.push_back({std::move(pendingTime_), std::move(pendingText_)});
    pendingText_.clear();
    pendingTime_.clear();
  }
  pendingBytes_.erase(0, start);
  return lines;
}

std::optional<std::string> CriLogAssembler::flush() {
  auto line = flushTimed();
  if (!line) return std::nullopt;
  return std::move(line->text);
}

std::optional<TimedLine> CriLogAssembler::flushTimed() {
  if (!havePartial_) return std::nullopt;
  havePartial_ = false;
  return TimedLine{std::exchange(pendingTime_, {}), std::exchange(pendingText_, {})};
}

std::vector<TimedLine> readLogFilesTimed(const std::string& path) {
  LogFileSnapshot files(path);
  std::vector<TimedLine> lines;
  while (!files.done()) {
    auto more = files.next(1 << 20);
    lines.insert(lines.end(), std::make_move_iterator(more.begin()),
                 std::make_move_iterator(more.end()));
  }
  if (auto rest = files.finish()) lines.push_back(std::move(*rest));
  return lines;
}

std::vector<std::string> readLogFiles(const std::string& path) {
  std::vector<std::string> lines;
  for (auto& line : readLogFilesTimed(path)) lines.push_back(std::move(line.text));
  return lines;
}

std::vector<std::string> lastLines(std::vector<std::string> lines, long n) {
  if (n < 0 || static_cast<size_t>(n) >= lines.size()) return lines;
  lines.erase(lines.begin(), lines.end() - n);
  return lines;
}

std::vector<std::string> rotatedFiles(const std::string& path) {
  std::vector<std::string> files;
  std::error_code ec;
  for (int k = 1; std::filesystem::exists(path + "." + std::to_string(k), ec); ++k)
    files.insert(files.begin(), path + "." + std::to_string(k));
  files.push_back(path);
  return files;
}

}  // namespace podkeeper::runtime
