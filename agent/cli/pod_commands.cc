#include "agent/cli/pod_commands.h"

namespace podkeeper::cli {
namespace {

void addSocket(CLI::App& cmd, ApiEndpoint& e) {
  cmd.add_option("--socket", e.socketPath, "Unix socket of the agent")->capture_default_str();
}

// Another node's HTTPS port instead of the local socket (get and describe).
void addServer(CLI::App& cmd, ApiEndpoint& e) {
  addSocket(cmd, e);
  cmd.add_option("--server", e.server, "https://HOST[:PORT] of a node (default port 10250)");
  cmd.add_option("--token", e.token, "Bearer token for --server");
  cmd.add_option("--token-file", e.tokenFile, "File holding the bearer token for --server");
  cmd.add_option("--cert", e.certFile, "Client certificate (PEM) for --server");
  cmd.add_option("--key", e.keyFile, "Key of --cert (PEM)");
  cmd.add_option("--ca", e.caFile, "CA bundle that verifies --server (default: system CAs)");
  cmd.add_flag("--insecure-skip-tls-verify", e.insecureSkipTlsVerify,
               "Do not verify --server's certificate (its traffic can then be read)");
}

void addNamespace(CLI::App& cmd, std::string& ns) {
  cmd.add_option("-n,--namespace", ns, "Namespace of the pod")->capture_default_str();
}

}  // namespace

PodCommands::PodCommands(CLI::App& app) {
  addGet(app);
  addDescribe(app);
  addLogs(app);
  addExec(app);
  addAttach(app);
}

void PodCommands::addGet(CLI::App& app) {
  auto* get = app.add_subcommand("get", "List pods as kubectl get does");
  get->require_subcommand(1);
  getPods_ = get->add_subcommand("pods", "NAME READY STATUS RESTARTS AGE");
  getPods_->alias("pod")->alias("po");
  getPods_->add_option("names", get_.names, "Pods to show (default: all)");
  getPods_->add_option("-o,--output", get_.output, "wide, json or yaml")
      ->check(CLI::IsMember({"wide", "json", "yaml"}));
  addNamespace(*getPods_, get_.namespace_);
  getPods_->add_flag("-A,--all-namespaces", get_.allNamespaces, "Pods of every namespace");
  addServer(*getPods_, get_.endpoint);
}

void PodCommands::addDescribe(CLI::App& app) {
  auto* describe = app.add_subcommand("describe", "Show a pod in detail as kubectl describe does");
  describe->require_subcommand(1);
  describePod_ = describe->add_subcommand("pod", "Spec summary, conditions, containers, events");
  describePod_->alias("pods")->alias("po");
  describePod_->add_option("name", describe_.name, "Pod name")->required();
  addNamespace(*describePod_, describe_.namespace_);
  addServer(*describePod_, describe_.endpoint);
}

void PodCommands::addLogs(CLI::App& app) {
  logs_ = app.add_subcommand("logs", "Print a container's log (the CRI files, as plain text)");
  logs_->add_option("name", logsOptions_.name, "Pod name")->required();
  logs_->add_option("-c,--container", logsOptions_.container,
                    "Container (default: the pod's only or default container)");
  logs_->add_flag("-f,--follow", logsOptions_.follow, "Keep printing new lines, across restarts");
  logs_->add_flag("-p,--previous", logsOptions_.previous,
                  "The instance before the current one (after a restart)");
  logs_->add_option("--tail", logsOptions_.tail, "Only the last N lines (-1: all)")
      ->capture_default_str();
  addNamespace(*logs_, logsOptions_.namespace_);
  addServer(*logs_, logsOptions_.endpoint);
}

void PodCommands::addExec(CLI::App& app) {
  exec_ = app.add_subcommand("exec", "Run a command in a running container (after --)");
  exec_->add_option("name", execOptions_.name, "Pod name")->required();
  exec_->add_option("command", execOptions_.command, "The command and its arguments, after --")
      ->required();
  exec_->add_option("-c,--container", execOptions_.container,
                    "Container (default: the pod's default or first container)");
  addNamespace(*exec_, execOptions_.namespace_);
  addSocket(*exec_, execOptions_.endpoint);
}

void PodCommands::addAttach(CLI::App& app) {
  attach_ = app.add_subcommand(
      "attach", "Attach to a running container's output, stdin and tty (ctrl-p ctrl-q detaches)");
  attach_->add_option("name", attachOptions_.name, "Pod name")->required();
  attach_->add_option("-c,--container", attachOptions_.container,
                      "Container (default: the pod's default or first container)");
  addNamespace(*attach_, attachOptions_.namespace_);
  addSocket(*attach_, attachOptions_.endpoint);
}

bool PodCommands::parsed() const {
  return getPods_->parsed() || describePod_->parsed() || logs_->parsed() || exec_->parsed() ||
         attach_->parsed();
}

int PodCommands::run(std::ostream& out, std::ostream& err) const {
  if (getPods_->parsed()) return runGetPods(get_, out, err);
  if (describePod_->parsed()) return runDescribePod(describe_, out, err);
  if (logs_->parsed()) return runLogs(logsOptions_, out, err);
  if (exec_->parsed()) {
    out.flush();  // the command writes to the same stdout, directly
    return runExec(execOptions_, err);
  }
  if (attach_->parsed()) {
    out.flush();
    return runAttach(attachOptions_, err);
  }
  return 2;
}

}  // namespace podkeeper::cli
