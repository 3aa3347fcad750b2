// The soak's actions: pod churn, manifest edits good and bad, and the faults it injects.
// Every choice comes from the seeded generator, and every action is noted in the soak log.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/e2e/agent/pod_probe.h"
#include "tests/soak/soak.h"
#include "tests/support/cgroup_tree.h"
#include "tests/support/command.h"
#include "tests/support/text.h"

namespace podkeeper::soak {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kMinPods = 3;
constexpr int kMaxPods = 10;

int connectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int64_t realtimeNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool isPodFile(const std::string& file) { return file.rfind("p-", 0) == 0; }

}  // namespace

void Soak::writeManifest(const std::string& file, const std::string& text) {
  agent_.dropManifest(file, text);
}

void Soak::removeManifest(const std::string& file) { agent_.removeManifest(file); }

std::string Soak::randomPodFile() {
  std::vector<std::string> files;
  for (const auto& [name, f] : model_.files())
    if (isPodFile(name)) files.push_back(name);
  if (files.empty()) return "";
  return files[size_t(pick(0, int64_t(files.size()) - 1))];
}

void Soak::createPod() {
  int population = 0;
  for (const auto& [name, f] : model_.files()) population += isPodFile(name);
  if (population >= kMaxPods) return deletePod();
  SoakPod p = makePod(PodKind(pick(0, kPodKinds - 1)), nextId_++);
  const std::string file = "p-" + p.name + ".yaml";
  writeManifest(file, manifestYaml(p));
  model_.writeGood(file, p);
  count("pods created");
  note("create " + file);
}

void Soak::deletePod() {
  int population = 0;
  for (const auto& [name, f] : model_.files()) population += isPodFile(name);
  if (population <= kMinPods) return;
  const std::string file = randomPodFile();
  if (file.empty()) return;
  checkPodLogs(*model_.files().at(file).lastGood);
  removeManifest(file);
  model_.remove(file);
  count("pods deleted");
  note("delete " + file);
}

void Soak::editSpec() {
  const std::string file = randomPodFile();
  if (file.empty() || model_.files().at(file).broken) return;
  SoakPod p = *model_.files().at(file).lastGood;
  checkPodLogs(p);
  ++p.generation;
  writeManifest(file, manifestYaml(p));
  model_.writeGood(file, p);
  editedAt_[p.name] = tick_;
  count("manifest: spec edit");
  note("spec edit " + file + " to generation " + std::to_string(p.generation));
}

void Soak::editLabels() {
  const std::string file = randomPodFile();
  if (file.empty() || model_.files().at(file).broken) return;
  SoakPod p = *model_.files().at(file).lastGood;
  p.labels["edit"] = std::to_string(tick_);
  writeManifest(file, manifestYaml(p));
  model_.writeGood(file, p);
  count("manifest: label edit");
  note("label edit " + file);
}

void Soak::brokenEdit() {
  const std::string file = randomPodFile();
  if (file.empty() || model_.files().at(file).broken) return;
  const std::string good = manifestYaml(*model_.files().at(file).lastGood);
  // Half a manifest and then something no YAML parser takes.
  writeManifest(file, good.substr(0, good.size() / 2) + "\n  - : [unclosed\n");
  model_.writeBroken(file);
  count("manifest: broken edit");
  note("broken edit " + file);
  pending_.push_back({tick_ + pick(3, 15), "heal " + file, [this, file] {
                        auto it = model_.files().find(file);
                        if (it == model_.files().end() || !it->second.broken) return;
                        const SoakPod p = *it->second.lastGood;
                        writeManifest(file, manifestYaml(p));
                        model_.writeGood(file, p);
                      }});
}

void Soak::duplicateName() {
  const std::string file = randomPodFile();
  if (file.empty()) return;
  SoakPod dup = *model_.files().at(file).lastGood;
  dup.uid += "-dup";
  dup.labels["duplicate"] = "yes";
  const std::string dupFile = "zz-dup-" + std::to_string(nextId_++) + ".yaml";
  writeManifest(dupFile, manifestYaml(dup));
  model_.writeGood(dupFile, dup);
  count("manifest: duplicate name");
  note("duplicate " + dupFile + " names " + dup.name);
  pending_.push_back({tick_ + pick(5, 20), "remove " + dupFile, [this, dupFile] {
                        removeManifest(dupFile);
                        model_.remove(dupFile);
                      }});
}

void Soak::invalidBytes() {
  std::string bytes = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \xff\xfe";
  for (int i = 0; i < 200; ++i) bytes += char(pick(0, 255));
  const std::string file = "bad-bytes-" + std::to_string(nextId_++) + ".yaml";
  writeManifest(file, bytes);
  model_.writeBroken(file);
  count("manifest: invalid bytes");
  note("invalid bytes " + file);
  pending_.push_back({tick_ + pick(5, 20), "remove " + file, [this, file] {
                        removeManifest(file);
                        model_.remove(file);
                      }});
}

void Soak::hugeFile() {
  // A valid pod past the size limit: refused whole, so its pod must not run.
  SoakPod p = makePod(PodKind::Counter, nextId_++);
  std::string text = manifestYaml(p);
  const std::string pad = "# " + std::string(1000, 'x') + "\n";
  while (text.size() < (3u << 20)) text += pad;
  const std::string file = "bad-huge-" + std::to_string(nextId_++) + ".yaml";
  writeManifest(file, text);
  model_.writeBroken(file);
  count("manifest: huge file");
  note("huge file " + file + " (" + std::to_string(text.size()) + " bytes)");
  pending_.push_back({tick_ + pick(5, 20), "remove " + file, [this, file] {
                        removeManifest(file);
                        model_.remove(file);
                      }});
}

void Soak::killAgentMidStart() {
  SoakPod p = makePod(PodKind(pick(0, kPodKinds - 1)), nextId_++);
  const std::string file = "p-" + p.name + ".yaml";
  const int64_t delayMs = pick(0, 600);
  writeManifest(file, manifestYaml(p));
  model_.writeGood(file, p);
  count("pods created");
  note("create " + file + ", kill the agent " + std::to_string(delayMs) + " ms later");
  std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
  count("fault: kill -9 agent mid-start");
  killAgent("mid-start of " + p.name);
}

void Soak::killAgentMidDelete() {
  int population = 0;
  for (const auto& [name, f] : model_.files()) population += isPodFile(name);
  const std::string file = randomPodFile();
  if (file.empty() || population <= kMinPods) return;
  const int64_t delayMs = pick(0, 1500);
  checkPodLogs(*model_.files().at(file).lastGood);
  removeManifest(file);
  model_.remove(file);
  count("pods deleted");
  note("delete " + file + ", kill the agent " + std::to_string(delayMs) + " ms later");
  std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
  count("fault: kill -9 agent mid-delete");
  killAgent("mid-delete of " + file);
}

// A pod of the model, chosen by the generator (the first of kind when one is given). It points
// into pods, so a temporary map is refused.
static const SoakPod* choosePod(std::map<std::string, SoakPod>&& pods, int64_t index,
                                std::optional<PodKind> kind = std::nullopt) = delete;
static const SoakPod* choosePod(const std::map<std::string, SoakPod>& pods, int64_t index,
                                std::optional<PodKind> kind = std::nullopt) {
  std::vector<const SoakPod*> list;
  for (const auto& [name, p] : pods)
    if (!kind || p.kind == *kind) list.push_back(&p);
  if (list.empty()) return nullptr;
  return list[size_t(index % int64_t(list.size()))];
}

void Soak::killShim() {
  // The pod points into this map: it must outlive every use of the pod.
  const auto pods = model_.expectedPods();
  const int64_t index = pick(0, 1 << 20);
  const SoakPod* p = choosePod(pods, index);
  if (!p) return;
  auto shims = processesMentioning(agent_.stateDir() + "/pods/" + p->uid + "/containers/");
  if (shims.empty()) return;
  const pid_t victim = shims[size_t(index) % shims.size()];
  ::kill(victim, SIGKILL);
  count("fault: kill -9 shim");
  note("kill -9 shim " + std::to_string(victim) + " of " + p->name);
}

void Soak::killContainer() {
  // The pod points into this map: it must outlive every use of the pod.
  const auto pods = model_.expectedPods();
  const int64_t index = pick(0, 1 << 20);
  const SoakPod* p = choosePod(pods, index);
  if (!p) return;
  for (const auto& cg : podCgroups(agent_.cgroupRoot())) {
    if (cg.uid != p->uid || cg.hierarchy.find("/memory") == std::string::npos) continue;
    std::vector<std::string> containers;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(cg.dir, ec))
      if (e.is_directory()) containers.push_back(e.path().string());
    if (containers.empty()) return;
    const std::string dir = containers[size_t(index) % containers.size()];
    const pid_t init = e2e::initPid(dir);
    if (init <= 0) return;
    ::kill(init, SIGKILL);
    count("fault: kill -9 container");
    note("kill -9 container init " + std::to_string(init) + " in " + dir);
    return;
  }
}

void Soak::killReaper() {
  // The pod points into this map: it must outlive every use of the pod.
  const auto pods = model_.expectedPods();
  const SoakPod* p = choosePod(pods, pick(0, 1 << 20), PodKind::SharedPid);
  if (!p) return;
  auto record = nlohmann::json::parse(
      support::readText(agent_.stateDir() + "/pods/" + p->uid + "/reaper.json"), nullptr, false);
  if (!record.is_object() || !record.contains("pid")) return;
  const pid_t reaper = record["pid"].get<pid_t>();
  ::kill(reaper, SIGKILL);
  count("fault: kill -9 pid reaper");
  note("kill -9 pid reaper " + std::to_string(reaper) + " of " + p->name);
}

void Soak::stopAgent() {
  if (agentStopped_) return;
  const pid_t pid = agent_.agentPid();
  ::kill(pid, SIGSTOP);
  agentStopped_ = true;
  const int64_t ticks = pick(1, 4);
  count("fault: SIGSTOP agent");
  note("SIGSTOP agent for " + std::to_string(ticks) + " ticks");
  pending_.push_back({tick_ + ticks, "agent-stop", [this, pid] {
                        if (agentStopped_ && pid == agent_.agentPid()) ::kill(pid, SIGCONT);
                        agentStopped_ = false;
                      }});
}

void Soak::fillLogFs() {
  if (undoPending("log-full")) return;
  const std::string ballast = agent_.logDir() + "/.soak-ballast";
  int fd = ::open(ballast.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const std::string chunk(1 << 20, 'b');
  while (::write(fd, chunk.data(), chunk.size()) > 0) {
  }
  ::close(fd);
  const int64_t from = realtimeNs();
  const int64_t ticks = pick(3, 12);
  count("fault: log filesystem full");
  note("log filesystem full for " + std::to_string(ticks) + " ticks");
  pending_.push_back(
      {tick_ + ticks, "log-full", [this, ballast, from] {
         ::unlink(ballast.c_str());
         // A second of margin each side: the shim's stamps are its own.
         fullWindows_.push_back({from - 1'000'000'000, realtimeNs() + 1'000'000'000});
       }});
}

void Soak::stateDirReadOnly() {
  if (undoPending("state-ro")) return;
  const std::string dir = agent_.stateDir();
  if (::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    violation("soak: bind " + dir + ": " + std::strerror(errno));
    return;
  }
  ::mount(nullptr, dir.c_str(), nullptr, MS_PRIVATE | MS_REC, nullptr);
  if (::mount(nullptr, dir.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0)
    note(std::string("remount read-only failed: ") + std::strerror(errno));
  const int64_t ticks = pick(2, 8);
  count("fault: state dir read-only");
  note("state dir read-only for " + std::to_string(ticks) + " ticks");
  pending_.push_back({tick_ + ticks, "state-ro", [dir] { ::umount2(dir.c_str(), MNT_DETACH); }});
}

void Soak::removeCgroup() {
  // The pod points into this map: it must outlive every use of the pod.
  const auto pods = model_.expectedPods();
  const int64_t index = pick(0, 1 << 20);
  const SoakPod* p = choosePod(pods, index);
  if (!p) return;
  std::string relative;  // of one container's cgroup below the root
  for (const auto& cg : podCgroups(agent_.cgroupRoot())) {
    if (cg.uid != p->uid || cg.hierarchy.find("/memory") == std::string::npos) continue;
    std::vector<std::string> containers;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(cg.dir, ec))
      if (e.is_directory()) containers.push_back(e.path().string());
    if (containers.empty()) return;
    relative = containers[size_t(index) % containers.size()].substr(cg.hierarchy.size());
  }
  if (relative.empty()) return;
  for (const auto& h : support::cgroupHierarchies())
    for (pid_t pid : pidsUnder(h + relative)) ::kill(pid, SIGKILL);
  for (const auto& h : support::cgroupHierarchies())
    if (fs::exists(h + relative)) support::removeCgroupDir(h + relative);
  count("fault: cgroup removed");
  note("removed cgroup " + relative + " (its processes killed)");
}

void Soak::freezeCgroup() {
  // The pod points into this map: it must outlive every use of the pod.
  const auto pods = model_.expectedPods();
  const SoakPod* p = choosePod(pods, pick(0, 1 << 20));
  const int64_t ticks = pick(2, 6);
  if (!p) return;
  for (const auto& cg : podCgroups(agent_.cgroupRoot())) {
    if (cg.uid != p->uid || cg.hierarchy.find("/freezer") == std::string::npos) continue;
    const std::string state = cg.dir + "/freezer.state";
    support::runShell("echo FROZEN > " + state + " 2>/dev/null");
    count("fault: cgroup frozen");
    note("froze " + cg.dir + " for " + std::to_string(ticks) + " ticks");
    pending_.push_back({tick_ + ticks, "thaw " + cg.dir,
                        [state] { support::runShell("echo THAWED > " + state + " 2>/dev/null"); }});
    return;
  }
}

void Soak::slowClients() {
  auto fds = std::make_shared<std::vector<int>>();
  for (int i = 0; i < 16; ++i) {
    int fd = connectLoopback(agent_.port());
    if (fd < 0) continue;
    const char partial[] = "GET /healthz HTTP/1.1\r\nHost: soak\r\nX-Slow: ";
    (void)!::write(fd, partial, sizeof partial - 1);
    fds->push_back(fd);
  }
  count("fault: http slow clients");
  note("16 slow clients on the read-only port");
  pending_.push_back({tick_ + 5, "close slow clients", [fds] {
                        for (int fd : *fds) ::close(fd);
                      }});
}

void Soak::manyConnections() {
  auto fds = std::make_shared<std::vector<int>>();
  for (int i = 0; i < 300; ++i) {
    int fd = connectLoopback(agent_.port());
    if (fd >= 0) fds->push_back(fd);
  }
  count("fault: http many connections");
  note(std::to_string(fds->size()) + " idle connections to the read-only port");
  pending_.push_back({tick_ + 3, "close connections", [fds] {
                        for (int fd : *fds) ::close(fd);
                      }});
}

void Soak::wrkOnCadvisor() {
  const std::string url = "http://127.0.0.1:" + std::to_string(agent_.port()) + "/metrics/cadvisor";
  const pid_t wrk =
      support::spawnLogged({"/usr/bin/wrk", "-t1", "-c8", "-d3s", url},
                           agent_.stateDir() + "/../wrk.log", support::LogMode::Append);
  if (wrk <= 0) return;
  count("fault: wrk on /metrics/cadvisor");
  note("wrk -c8 -d3s on " + url);
  pending_.push_back({tick_ + 5, "reap wrk", [wrk] {
                        int status = 0;
                        if (::waitpid(wrk, &status, WNOHANG) == 0) ::kill(wrk, SIGKILL);
                        ::waitpid(wrk, &status, 0);
                      }});
}

}  // namespace podkeeper::soak
