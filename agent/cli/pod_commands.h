#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>

#include "agent/cli/attach.h"
#include "agent/cli/describe_pod.h"
#include "agent/cli/exec.h"
#include "agent/cli/get_pods.h"
#include "agent/cli/logs.h"

namespace podkeeper::cli {

// The kubectl-like client subcommands, registered on the program's CLI11 app:
//   get pods [NAME...] [-o wide|json|yaml] [-n NS | -A]
//   describe pod NAME [-n NS]
//   logs NAME [-c C] [-f] [--previous] [--tail N] [-n NS]
//   exec NAME [-c C] [-n NS] -- CMD...
//   attach NAME [-c C] [-n NS]
// each with --socket (default /run/podkeeper/podkeeper.sock). The app must outlive this.
class PodCommands {
 public:
  explicit PodCommands(CLI::App& app);

  // Whether the parsed command line chose one of these commands.
  bool parsed() const;
  // Runs the chosen command; the exit status of the program.
  int run(std::ostream& out, std::ostream& err) const;

 private:
  void addGet(CLI::App& app);
  void addDescribe(CLI::App& app);
  void addLogs(CLI::App& app);
  void addExec(CLI::App& app);
  void addAttach(CLI::App& app);

  CLI::App* getPods_ = nullptr;
  CLI::App* describePod_ = nullptr;
  CLI::App* logs_ = nullptr;
  CLI::App* exec_ = nullptr;
  CLI::App* attach_ = nullptr;
  GetPodsOptions get_;
  DescribePodOptions describe_;
  LogsOptions logsOptions_;
  ExecOptions execOptions_;
  AttachOptions attachOptions_;
};

}  // namespace podkeeper::cli
