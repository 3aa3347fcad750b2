#include "runc_peer.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace pkbench {

RuncPeer::RuncPeer(const Workspace& ws, std::string runc, std::string rootfs)
    : runc_(std::move(runc)),
      rootfs_(std::move(rootfs)),
      stateRoot_(ws.runcRoot() + "/state"),
      bundlesDir_(ws.runcRoot() + "/bundles"),
      cgroupParent_("/" + ws.cgroupRoot() + "/runc") {
  makeDirs(bundlesDir_);
}

RuncPeer::~RuncPeer() {
  try {
    removeAll();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench: runc clean-up: %s\n", e.what());
  }
}

std::vector<std::string> RuncPeer::base() const { return {runc_, "--root", stateRoot_}; }

std::vector<std::string> RuncPeer::command(const std::vector<std::string>& args) const {
  auto argv = base();
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

void RuncPeer::makeBundle(const std::string& bundle, const std::vector<std::string>& args,
                          const std::string& shared) {
  std::string dir = bundlesDir_ + "/" + bundle;
  makeDirs(dir);
  std::string out;
  if (run({runc_, "spec", "--bundle", dir}, &out) != 0)
    throw std::runtime_error("runc spec --bundle " + dir + ": " + out);
  auto spec = nlohmann::json::parse(readFile(dir + "/config.json"));
  spec["root"]["path"] = rootfs_;
  spec["root"]["readonly"] = false;
  spec["process"]["terminal"] = false;
  spec["process"]["args"] = args;
  spec["linux"]["cgroupsPath"] = cgroupOf(bundle);
  if (!shared.empty()) {
    makeDirs(shared);
    spec["mounts"].push_back({{"destination", "/shared"},
                              {"type", "bind"},
                              {"source", shared},
                              {"options", {"rbind", "rw"}}});
  }
  writeFile(dir + "/config.json", spec.dump(2));
}

std::string RuncPeer::cgroupOf(const std::string& bundle) const {
  return cgroupParent_ + "/" + bundle;
}

RuncPeer::Started RuncPeer::runDetached(const std::string& bundle, const std::string& id) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) die("pipe2");
  std::string err = stateRoot_ + "." + id + ".err";
  int errFd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  auto argv = base();
  for (const auto& a :
       {std::string("run"), std::string("-d"), std::string("--pid-file"),
        stateRoot_ + "." + id + ".pid", std::string("--bundle"), bundlesDir_ + "/" + bundle, id})
    argv.push_back(a);
  pid_t pid = spawn(argv, p[1], errFd);
  ::close(p[1]);
  if (errFd >= 0) ::close(errFd);
  return {pid, p[0]};
}

pid_t RuncPeer::containerPid(const std::string& id) const {
  std::string text = readFile(stateRoot_ + "." + id + ".pid");
  return text.empty() ? -1 : pid_t(std::stol(text));
}

int RuncPeer::kill(const std::string& id, const std::string& signal) {
  auto argv = base();
  argv.insert(argv.end(), {"kill", id, signal});
  return run(argv);
}

int RuncPeer::remove(const std::string& id, bool force) {
  auto argv = base();
  argv.push_back("delete");
  if (force) argv.push_back("-f");
  argv.push_back(id);
  return run(argv);
}

void RuncPeer::removeAll() {
  if (!exists(stateRoot_)) return;
  std::string out;
  auto argv = base();
  argv.insert(argv.end(), {"list", "-q"});
  run(argv, &out);
  std::istringstream in(out);
  for (std::string id; std::getline(in, id);)
    if (!id.empty()) remove(id, true);
}

bool waitPipeLine(int fd, const std::string& marker, int64_t timeoutNs, std::string& buffer) {
  const int64_t deadline = nowNs() + timeoutNs;
  for (;;) {
    if (buffer.rfind(marker + "\n", 0) == 0 ||
        buffer.find("\n" + marker + "\n") != std::string::npos)
      return true;
    int64_t left = deadline - nowNs();
    if (left <= 0) return false;
    checkInterrupted();
    pollfd pfd{fd, POLLIN, 0};
    int r = ::poll(&pfd, 1, int(std::min<int64_t>(left / 1'000'000 + 1, 100)));
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return false;  // EOF: the container ended without the marker
    if (n > 0) buffer.append(buf, size_t(n));
  }
}

}  // namespace pkbench
