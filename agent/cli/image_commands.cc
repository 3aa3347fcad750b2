#include "agent/cli/image_commands.h"

#include <ctime>
#include <filesystem>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>

#include "common/image_reference.h"
#include "image/archive/import.h"
#include "image/store/image_store.h"
#include "runtime/bundle/shim_config.h"

namespace podkeeper::cli {
namespace {

namespace fs = std::filesystem;

std::string humanSize(int64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  std::ostringstream s;
  s << std::setprecision(3) << v << units[u];
  return s.str();
}

std::string shortDigest(const std::string& d) { return d.substr(7, 12); }

Result<std::unique_ptr<image::ImageStore>> openStore(const ImageOptions& o) {
  static const SystemClock clock;
  return image::ImageStore::open(o.imageDir + "/.store", clock);
}

nlohmann::json imageJson(const image::StoredImage& i, bool inUse) {
  nlohmann::json layers = nlohmann::json::array();
  for (size_t n = 0; n < i.layers.size(); ++n)
    layers.push_back({{"digest", i.layers[n].digest},
                      {"mediaType", i.layers[n].mediaType},
                      {"size", i.layers[n].size},
                      {"diffID", i.config.diffIds[n]},
                      {"chainID", i.chainIds[n]}});
  return {{"reference", i.record.reference},
          {"digest", i.record.manifestDigest},
          {"manifest", i.manifestDigest},
          {"configDigest", i.configDigest},
          {"size", i.record.size},
          {"created", i.record.created},
          {"lastUsed", i.record.lastUsed},
          {"inUse", inUse},
          {"os", i.config.os},
          {"architecture", i.config.architecture},
          {"config",
           {{"Entrypoint", i.config.entrypoint},
            {"Cmd", i.config.cmd},
            {"Env", i.config.env},
            {"WorkingDir", i.config.workingDir},
            {"User", i.config.user},
            {"StopSignal", i.config.stopSignal},
            {"Labels", i.config.labels}}},
          {"layers", layers}};
}

int runLs(const ImageOptions& o, std::ostream& out, std::ostream& err) {
  auto store = openStore(o);
  if (!store) return err << "podkeeper image ls: " << store.error().message << "\n", 1;
  auto images = (*store)->list();
  if (!images) return err << "podkeeper image ls: " << images.error().message << "\n", 1;
  const auto used = imagesUsedByContainers(o.stateDir);
  if (o.output == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& i : *images)
      list.push_back({{"reference", i.reference},
                      {"digest", i.manifestDigest},
                      {"size", i.size},
                      {"created", i.created},
                      {"lastUsed", i.lastUsed},
                      {"inUse", used.contains(i.reference)}});
    out << list.dump(2) << "\n";
    return 0;
  }
  out << std::left << std::setw(50) << "REFERENCE" << std::setw(15) << "DIGEST" << std::setw(10)
      << "SIZE"
      << "IN USE\n";
  for (const auto& i : *images)
    out << std::setw(50) << i.reference << std::setw(15) << shortDigest(i.manifestDigest)
        << std::setw(10) << humanSize(i.size) << (used.contains(i.reference) ? "yes" : "no")
        << "\n";
  return 0;
}

Result<std::string> normalized(const std::string& ref) {
  auto r = parseImageReference(ref);
  if (!r) return fail(r.error());
  return r->normalized();
}

int runInspect(const ImageOptions& o, std::ostream& out, std::ostream& err) {
  auto name = normalized(o.reference);
  if (!name) return err << "podkeeper image inspect: " << name.error().message << "\n", 2;
  auto store = openStore(o);
  if (!store) return err << "podkeeper image inspect: " << store.error().message << "\n", 1;
  auto found = (*store)->find(*name);
  if (!found) return err << "podkeeper image inspect: " << found.error().message << "\n", 1;
  if (!*found) return err << "podkeeper image inspect: no image " << *name << "\n", 1;
  out << imageJson(**found, imagesUsedByContainers(o.stateDir).contains(*name)).dump(2) << "\n";
  return 0;
}

int runRm(const ImageOptions& o, std::ostream& out, std::ostream& err) {
  auto name = normalized(o.reference);
  if (!name) return err << "podkeeper image rm: " << name.error().message << "\n", 2;
  if (imagesUsedByContainers(o.stateDir).contains(*name))
    return err << "podkeeper image rm: image " << *name
               << " is in use by a container (see podkeeper get pods)\n",
           1;
  auto store = openStore(o);
  if (!store) return err << "podkeeper image rm: " << store.error().message << "\n", 1;
  auto r = (*store)->remove({*name});
  if (!r) return err << "podkeeper image rm: " << r.error().message << "\n", 1;
  if (r->removedImages.empty()) return err << "podkeeper image rm: no image " << *name << "\n", 1;
  out << "Deleted: " << *name << " (" << r->removedSnapshots << " layers, " << r->removedBlobs
      << " blobs)\n";
  return 0;
}

int runImport(const ImageOptions& o, std::ostream& out, std::ostream& err) {
  auto store = openStore(o);
  if (!store) return err << "podkeeper image import: " << store.error().message << "\n", 1;
  auto images = image::importImages(**store, o.path, o.name);
  if (!images) return err << "podkeeper image import: " << images.error().message << "\n", 1;
  for (const auto& i : *images)
    out << "Imported " << i.record.reference << " " << i.record.manifestDigest << "\n";
  return 0;
}

}  // namespace

std::set<std::string> imagesUsedByContainers(const std::string& stateDir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& pod : fs::directory_iterator(stateDir + "/pods", ec)) {
    std::error_code ec2;
    for (const auto& c : fs::directory_iterator(pod.path() / "containers", ec2)) {
      auto cfg = runtime::readShimConfig((c.path() / "config.json").string());
      if (!cfg) continue;
      if (auto ref = parseImageReference(cfg->image)) out.insert(ref->normalized());
    }
  }
  return out;
}

ImageCommands::ImageCommands(CLI::App& app) {
  auto* image = app.add_subcommand("image", "Images in the store (--image-dir)");
  image->require_subcommand(1);
  auto common = [&](CLI::App* cmd) {
    cmd->add_option("--image-dir", options_.imageDir, "The agent's --image-dir")
        ->capture_default_str();
    cmd->add_option("--state-dir", options_.stateDir,
                    "The agent's --state-dir (which containers use which image)")
        ->capture_default_str();
  };
  ls_ = image->add_subcommand("ls", "REFERENCE DIGEST SIZE IN USE");
  ls_->alias("list");
  ls_->add_option("-o,--output", options_.output, "json")->check(CLI::IsMember({"json"}));
  inspect_ = image->add_subcommand("inspect", "An image's config, layers and digests as JSON");
  inspect_->add_option("reference", options_.reference, "Image reference")->required();
  rm_ = image->add_subcommand("rm", "Remove an image (refused while a container uses it)");
  rm_->add_option("reference", options_.reference, "Image reference")->required();
  import_ = image->add_subcommand(
      "import", "Import an oci-archive or docker-archive tarball or an OCI layout directory");
  import_->add_option("path", options_.path, "Tarball or directory")->required();
  import_->add_option("--name", options_.name,
                      "Reference for the archive's only image (else its own names)");
  for (auto* cmd : {ls_, inspect_, rm_, import_}) common(cmd);
}

bool ImageCommands::parsed() const {
  return ls_->parsed() || inspect_->parsed() || rm_->parsed() || import_->parsed();
}

int ImageCommands::run(std::ostream& out, std::ostream& err) const {
  if (ls_->parsed()) return runLs(options_, out, err);
  if (inspect_->parsed()) return runInspect(options_, out, err);
  if (rm_->parsed()) return runRm(options_, out, err);
  return runImport(options_, out, err);
}

}  // namespace podkeeper::cli
