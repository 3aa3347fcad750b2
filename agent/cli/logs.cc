#include "agent/cli/logs.h"

#include <chrono>
#include <fstream>
#include <ostream>
#include <sstream>
#include <thread>

#include "runtime/logs/cri_log_reader.h"
#include "runtime/logs/log_follower.h"

namespace podkeeper::cli {
namespace {

using nlohmann::json;
using runtime::CriLogAssembler;
using runtime::lastLines;
using runtime::LogFollower;
using runtime::readLogFiles;
using runtime::rotatedFiles;

constexpr auto kPollInterval = std::chrono::milliseconds(250);
constexpr int kPollsPerRestartCheck = 4;  // ask the agent about restarts once a second

std::string logPathTarget(const LogsOptions& o, bool previous) {
  std::string target = "/pods/" + urlEncode(o.namespace_) + "/" + urlEncode(o.name) + "/logpath";
  std::string query;
  if (!o.container.empty()) query += "container=" + urlEncode(o.container);
  if (previous) query += std::string(query.empty() ? "" : "&") + "previous=true";
  return query.empty() ? target : target + "?" + query;
}

void print(std::ostream& out, const std::vector<std::string>& lines) {
  for (const auto& line : lines) out << line << '\n';
  out.flush();
}

std::vector<std::string> readFile(const std::string& file, CriLogAssembler& assembler) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return assembler.feed(bytes.str());
}

// Follows the current file; when the agent reports a newer instance, moves to its file.
int follow(const LogsOptions& o, int restartCount, LogFollower& follower, std::ostream& out,
           const std::atomic<bool>* stop) {
  for (int tick = 1; !(stop && stop->load()); ++tick) {
    print(out, follower.poll());
    std::this_thread::sleep_for(kPollInterval);
    if (tick % kPollsPerRestartCheck != 0) continue;
    auto now = getJson(o.endpoint, logPathTarget(o, false));
    if (!now) return 0;  // the pod went away (or the agent did): the stream ends
    if ((*now)["restartCount"].get<int>() == restartCount) continue;
    restartCount = (*now)["restartCount"];
    print(out, follower.switchTo((*now)["path"]));
  }
  return 0;
}

std::string containerLogsTarget(const LogsOptions& o) {
  std::string target = "/containerLogs/" + urlEncode(o.namespace_) + "/" + urlEncode(o.name);
  if (!o.container.empty()) target += "/" + urlEncode(o.container);
  std::string query;
  if (o.previous) query += "&previous=true";
  if (o.tail >= 0) query += "&tailLines=" + std::to_string(o.tail);
  if (o.follow && !o.previous) query += "&follow=true";
  return query.empty() ? target : target + "?" + query.substr(1);
}

// Over --server the agent reads the files (GET /containerLogs/...); the text is printed as is.
int remoteLogs(const LogsOptions& o, std::ostream& out, std::ostream& err) {
  BodySink sink;
  if (o.follow && !o.previous)
    sink = [&out](std::string_view bytes) { out << bytes << std::flush; };
  auto reply = httpGet(o.endpoint, containerLogsTarget(o), sink);
  if (!reply) {
    err << reply.error().message << "\n";
    return 1;
  }
  if (reply->status != 200) {
    err << serverError(*reply) << "\n";
    return 1;
  }
  out << reply->body;
  out.flush();
  return 0;
}

}  // namespace

int runLogs(const LogsOptions& o, std::ostream& out, std::ostream& err,
            const std::atomic<bool>* stop) {
  if (!o.endpoint.server.empty()) return remoteLogs(o, out, err);
  auto location = getJson(o.endpoint, logPathTarget(o, o.previous));
  if (!location) {
    err << location.error().message << "\n";
    return 1;
  }
  const std::string path = (*location)["path"];
  if (!o.follow || o.previous) {
    print(out, lastLines(readLogFiles(path), o.tail));
    return 0;
  }
  // Older rotated files first; the current file is then read by the follower from its start.
  CriLogAssembler assembler;
  std::vector<std::string> lines;
  auto files = rotatedFiles(path);
  files.pop_back();
  for (const auto& file : files) {
    auto more = readFile(file, assembler);
    lines.insert(lines.end(), more.begin(), more.end());
  }
  LogFollower follower(path);
  auto current = follower.poll();
  lines.insert(lines.end(), current.begin(), current.end());
  print(out, lastLines(std::move(lines), o.tail));
  return follow(o, (*location)["restartCount"].get<int>(), follower, out, stop);
}

}  // namespace podkeeper::cli
