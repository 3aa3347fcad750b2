#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <iostream>

#include "tests/soak/soak.h"

// podkeeper-soak --minutes N [--seed S] [--log FILE]: the chaos and soak run of issue 17.
// Prints the table; exits 0 only when no invariant was violated.
namespace {
std::atomic<bool> interrupted = false;
void onSignal(int) { interrupted = true; }
}  // namespace

int main(int argc, char** argv) {
  podkeeper::soak::SoakOptions options;
  options.seed = std::random_device{}();
  CLI::App app{"podkeeper soak: pods, edits and faults at random, invariants checked"};
  app.add_option("--minutes", options.minutes, "how long the faults run")
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", options.seed, "the schedule's seed (a run is replayed by it)");
  app.add_option("--log", options.logPath, "where the seed and every action are written")
      ->required();
  CLI11_PARSE(app, argc, argv);
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::printf("soak: seed %llu, %d minutes, log %s\n",
              static_cast<unsigned long long>(options.seed), options.minutes,
              options.logPath.c_str());
  std::fflush(stdout);
  int violations = 0;
  std::string table;
  try {
    podkeeper::soak::Soak soak(options);
    try {
      violations = soak.run([] { return interrupted.load(); });
    } catch (const std::exception& e) {
      std::fprintf(stderr, "soak: aborted: %s\n", e.what());
      violations += 1;
    }
    table = soak.table();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soak: could not start: %s\n", e.what());
    return 2;
  }
  if (interrupted) std::fprintf(stderr, "soak: interrupted; the table covers the run so far\n");
  // The soak's own table ends with its violation count; an abort adds one.
  const size_t last = table.rfind("violations: ");
  if (last != std::string::npos) table.erase(last);
  std::printf("%sviolations: %d\n", table.c_str(), violations);
  return violations == 0 && !interrupted ? 0 : 1;
}
