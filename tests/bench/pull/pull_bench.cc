// Pull and unpack of one image from a local registry by podkeeper, against skopeo copy + umoci
// raw unpack and podman pull (when installed) in the same run, cold (empty store) and warm
// (every layer present), and the `tar -xzf` floor of the same layers. Prints the medians and
// the ratios of this run. scripts/bench-pull.sh builds the image, starts the registry and runs
// this program; see the README's Benchmarks section.
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string podkeeper;
  std::string registry;  // HOST:PORT, plain HTTP
  std::string image;     // the reference, on that registry
  std::string layers;    // a directory of the image's layers as .tar.gz (the tar floor)
  std::string work;      // scratch space, emptied between runs
  int runs = 5;
};

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Seconds `command` (sh -c) took; throws when it fails.
double timed(const std::string& command) {
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = std::system((command + " >/dev/null 2>&1").c_str());
  const auto t1 = std::chrono::steady_clock::now();
  if (rc != 0) throw std::runtime_error("failed (" + std::to_string(rc) + "): " + command);
  return std::chrono::duration<double>(t1 - t0).count();
}

void run(const std::string& command) { (void)timed(command); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool onPath(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"podkeeper image pull benchmark"};
  app.add_option("--podkeeper", o.podkeeper, "the podkeeper binary")->required();
  app.add_option("--registry", o.registry, "HOST:PORT of the registry (plain HTTP)")->required();
  app.add_option("--image", o.image, "the image reference on that registry")->required();
  app.add_option("--layers", o.layers, "directory of the image's layers as .tar.gz")->required();
  app.add_option("--work", o.work, "scratch directory")->required();
  app.add_option("--runs", o.runs, "runs of each (the median is printed)")
      ->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);

  const bool podman = onPath("podman");
  const std::string w = o.work;
  const std::string pk = quote(o.podkeeper) + " image pull --image-dir " + quote(w + "/pk") +
                         " --insecure-registry " + quote(o.registry) + " " + quote(o.image);
  const std::string sk = "skopeo copy --quiet --src-tls-verify=false " +
                         quote("docker://" + o.image) + " " + quote("oci:" + w + "/sk:img") +
                         " && rm -rf " + quote(w + "/sk-root") + " && umoci raw unpack --image " +
                         quote(w + "/sk:img") + " " + quote(w + "/sk-root");
  const std::string pm = "podman --root " + quote(w + "/pm/root") + " --runroot " +
                         quote(w + "/pm/run") +
                         " --storage-driver overlay pull -q --tls-verify=false " + quote(o.image);
  const std::string floor = "mkdir -p " + quote(w + "/tar-root") + " && for f in " +
                            quote(o.layers) + "/*.tar.gz; do tar -xzf \"$f\" -C " +
                            quote(w + "/tar-root") + " || exit 1; done";
  std::map<std::string, std::vector<double>> t;
  try {
    for (int r = 0; r < o.runs; ++r) {
      run("rm -rf " + quote(w + "/pk"));
      t["pk-cold"].push_back(timed(pk));
      t["pk-warm"].push_back(timed(pk));
      run("rm -rf " + quote(w + "/sk") + " " + quote(w + "/sk-root"));
      t["sk-cold"].push_back(timed(sk));
      t["sk-warm"].push_back(timed(sk));
      run("rm -rf " + quote(w + "/tar-root"));
      t["tar"].push_back(timed(floor));
      if (podman) {
        run("rm -rf " + quote(w + "/pm"));  // images only, no container: nothing is mounted
        t["pm-cold"].push_back(timed(pm));
        t["pm-warm"].push_back(timed(pm));
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "pk-bench-pull: " << e.what() << "\n";
    return 1;
  }
  std::map<std::string, double> m;
  for (const auto& [k, v] : t) m[k] = median(v);
  const std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", std::gmtime(&now));
  std::printf("image pull  %s  %ld CPUs  loadavg %s  %s\n", when, sysconf(_SC_NPROCESSORS_ONLN),
              loadAverage().c_str(), o.image.c_str());
  std::printf("%-40s %10s\n", ("median of " + std::to_string(o.runs) + " runs").c_str(), "seconds");
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"pk-cold", "podkeeper image pull, cold"},
      {"pk-warm", "podkeeper image pull, warm"},
      {"sk-cold", "skopeo copy + umoci raw unpack, cold"},
      {"sk-warm", "skopeo copy + umoci raw unpack, warm"},
      {"pm-cold", "podman pull, cold"},
      {"pm-warm", "podman pull, warm"},
      {"tar", "tar -xzf floor"}};
  for (const auto& [k, label] : rows)
    if (m.contains(k)) std::printf("%-40s %10.3f\n", label.c_str(), m[k]);
  if (!podman) std::printf("podman: not installed\n");
  std::printf("ratio podkeeper/skopeo+umoci: cold %.2fx (target <= 0.5x), warm %.2fx\n",
              m["pk-cold"] / m["sk-cold"], m["pk-warm"] / m["sk-warm"]);
  if (podman)
    std::printf("ratio podkeeper/podman: cold %.2fx, warm %.2fx\n", m["pk-cold"] / m["pm-cold"],
                m["pk-warm"] / m["pm-warm"]);
  std::printf("podkeeper cold / tar floor: %.2fx (target <= 1.5x)\n", m["pk-cold"] / m["tar"]);
  return 0;
}
