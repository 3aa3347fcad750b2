#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <set>
#include <string>

// `podkeeper image ls|inspect|rm|import`: work on the image store directly (--image-dir,
// the agent's flag; safe while the agent runs: the store locks what it changes). `rm` is
// refused while a container in the state directory (--state-dir) names the image.
namespace podkeeper::cli {

struct ImageOptions {
  std::string imageDir = "/var/lib/podkeeper/images";
  std::string stateDir = "/run/podkeeper";
  std::string reference;  // inspect, rm
  std::string path;       // import: a tarball or an OCI layout directory
  std::string name;       // import: the reference to give an archive's only image
  std::string output;     // ls: "" or json
};

class ImageCommands {
 public:
  explicit ImageCommands(CLI::App& app);
  bool parsed() const;
  int run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* ls_ = nullptr;
  CLI::App* inspect_ = nullptr;
  CLI::App* rm_ = nullptr;
  CLI::App* import_ = nullptr;
  ImageOptions options_;
};

// The normalized references the containers in stateDir were started with (their config.json).
std::set<std::string> imagesUsedByContainers(const std::string& stateDir);

}  // namespace podkeeper::cli
