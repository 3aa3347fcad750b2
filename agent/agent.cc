#include "agent/agent.h"

#include <prometheus/registry.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "agent/api/node_api.h"
#include "agent/api/pod_api.h"
#include "agent/api/pod_lookup.h"
#include "agent/auth/auth_filter.h"
#include "agent/auth/token_file_source.h"
#include "agent/container_gc_runner.h"
#include "agent/fd_limit.h"
#include "agent/http/http_server.h"
#include "agent/http/metrics_routes.h"
#include "agent/http/router.h"
#include "agent/http/self_signed_cert.h"
#include "agent/http/tls_context.h"
#include "agent/image_gc_runner.h"
#include "agent/image_pulling.h"
#include "agent/loop_lag.h"
#include "agent/manifest_sources.h"
#include "agent/manifest_watcher.h"
#include "agent/node_facts.h"
#include "agent/pod_targets.h"
#include "agent/sd_notify.h"
#include "common/thread_priority.h"
#include "fleet/fleet_layout.h"
#include "metrics/agent_metrics.h"
#include "metrics/eviction_metrics.h"
#include "metrics/exporter.h"
#include "metrics/image_pull_metrics.h"
#include "metrics/loop_metrics.h"
#include "metrics/machine.h"
#include "metrics/process_collector.h"
#include "probe/async_handlers.h"
#include "reconciler/cni_pod_network.h"
#include "reconciler/eviction_monitor.h"
#include "reconciler/node_stats.h"
#include "reconciler/probe_timer.h"
#include "reconciler/reconcile_loop.h"
#include "reconciler/runtime_work.h"
#include "reconciler/storage_monitor.h"
#include "runtime/bundle/state_dir.h"
#include "runtime/cgroup/resources.h"
#include "runtime/cgroup/select/make_manager.h"
#include "runtime/exec/exec_target.h"
#include "runtime/linux/linux_runtime.h"
#include "status/pod_phase.h"
#include "status/pod_reader.h"

namespace podkeeper::agent {
namespace {

namespace fs = std::filesystem;

Result<void> makeDirs(const AgentConfig& c) {
  for (const auto* dir : {&c.logDir, &c.manifestDir}) {
    std::error_code ec;
    fs::create_directories(*dir, ec);
    if (ec) return failMsg("creating " + *dir + ": " + ec.message());
  }
  std::error_code ec;
  fs::create_directories(c.rootDir, ec);
  if (ec || ::chmod(c.rootDir.c_str(), 0700) != 0)
    return failMsg("creating " + c.rootDir +
                   " (mode 0700): " + (ec ? ec.message() : std::strerror(errno)));
  return {};
}

runtime::RuntimeConfig runtimeConfig(const AgentConfig& c) {
  runtime::RuntimeConfig r;
  r.stateDir = c.stateDir;
  r.rootDir = c.rootDir;
  r.shimPath = c.shimPath;
  r.cgroupRoot = c.cgroupRoot;
  r.cgroupConfig = {c.cgroupMount, "/proc/self/mountinfo"};
  r.logMaxBytes = containerLogMaxBytes(c);
  r.logMaxFiles = c.containerLogMaxFiles;
  r.userNamespaces = runtime::parseUserNamespaceRange(c.userNamespaceRange).value();  // checked
  return r;
}

reconciler::NodePaths nodePaths(const AgentConfig& c, const NodeIdentity& node,
                                const metrics::MachineInfo& machine) {
  reconciler::NodePaths p;
  p.logDir = c.logDir;
  p.cgroupRoot = c.cgroupRoot;
  p.nodeName = node.name;
  p.hostIP = node.hostIP;
  p.cpuMilli = int64_t(machine.cpuCores) * 1000;
  p.memoryBytes = int64_t(machine.memoryBytes);
  p.seccompProfileRoot = c.seccompProfileRoot;
  p.seccompDefault = c.seccompDefault;
  p.podPidsLimit = c.podPidsLimit;
  p.admission = c.admission;
  return p;
}

reconciler::CniPodNetworkOptions networkOptions(const AgentConfig& c,
                                                const runtime::StateLayout& layout) {
  reconciler::CniPodNetworkOptions o;
  o.confDir = c.cniConfDir;
  o.cni.binDirs = c.cniBinDirs;
  o.cni.timeout = std::chrono::seconds(c.cniPluginTimeoutSeconds);
  o.requireConfig = c.cniRequireConfig;
  o.netnsPath = [layout](const std::string& uid) { return layout.nsPin(uid, "net"); };
  o.recordPath = [layout](const std::string& uid) { return layout.networkFile(uid); };
  return o;
}

metrics::ExporterOptions exporterOptions(size_t keptFds) {
  metrics::ExporterOptions o;
  o.keptFds = keptFds;
  return o;
}

// The exporter keeps cgroup files open between scrapes, within what the fd limit allows.
size_t keptFdsForExporter() {
  auto limit = raiseOpenFileLimit();
  if (!limit) {
    spdlog::warn("open files: {}; keeping no cgroup files open between scrapes",
                 limit.error().message);
    return 0;
  }
  const size_t budget = metrics::keptFdBudget(limit->soft);
  spdlog::info("open files: soft limit {} (was {}, hard {}); up to {} cgroup files kept open",
               limit->soft, limit->softBefore, limit->hard, budget);
  return budget;
}

std::map<std::string, int> podsByPhase(const status::PodReader& r) {
  std::map<std::string, int> counts;
  for (const auto& [key, pod] : r.desired()) {
    if (r.status().refusal(key)) {
      counts["Failed"]++;
      continue;
    }
    counts[status::podPhase(pod, r.observed(pod.uid))]++;
  }
  return counts;
}

// The shims' counts of log entries their logs could not take, as of the last observation.
void countDroppedLogEntries(const status::PodReader& r, metrics::AgentMetrics& to) {
  for (const auto& [key, pod] : r.desired()) {
    const auto* observed = r.observed(pod.uid);
    if (!observed) continue;
    for (const auto& c : observed->containers) {
      if (c.logEntriesDropped > 0) {
        to.logEntriesDropped(observed->namespace_, observed->name, c.name, c.startedAtNs,
                             c.logEntriesDropped);
      }
    }
  }
}

// The net under every handler of the loop: a throw that escaped its handler is logged and
// the loop goes on (asio allows run() again after a handler threw). Handlers that can name
// what failed catch for themselves first: a pod's reconcile fails that pod only.
void runLoop(boost::asio::io_context& io) {
  // Every pool and thread exists by now: only this thread is raised (common/thread_priority.h).
  // Five levels: about three times a worker's share of a busy core.
  constexpr int kLoopNiceLevels = 5;
  if (auto nice = raiseThisThreadPriority(kLoopNiceLevels))
    spdlog::info("loop thread at nice {} ({} above the rest of the agent)", *nice, kLoopNiceLevels);
  else
    spdlog::warn("loop thread keeps the agent's priority: {}", nice.error().message);
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      spdlog::critical("internal error in a loop handler: {}; the loop goes on", e.what());
    }
  }
}

// Everything the agent is made of, in construction order; members are destroyed in reverse.
struct Agent {
  explicit Agent(const AgentConfig& c, std::unique_ptr<runtime::cgroup::CgroupManager> cg,
                 metrics::MachineInfo machine, size_t keptFds,
                 std::unique_ptr<image::ImageStore> store, image::registry::AuthFile auth,
                 SystemdNotifier notifier)
      : config(c),
        systemd(std::move(notifier)),
        cgroups(std::move(cg)),
        runtime(runtimeConfig(c), *cgroups),
        imageStore(std::move(store)),
        images(c.imageDir, *imageStore, clock),
        handlers(io, runtime),
        agentMetrics(registry),
        loopMetrics(registry),
        pullMetrics(registry),
        pulling(io, clock, *imageStore, std::move(auth), c.registry, c.imageDir,
                imagePullsAtOnce(c)),
        node([&c] {
          auto n = readNodeIdentity();
          if (!c.nodeName.empty()) n.name = c.nodeName;  // --node-name
          return n;
        }()),
        reconciler(runtime, images, clock, nodePaths(c, node, machine), reconcileHooks(), &handlers,
                   &pulling.source()),
        loop(io, reconciler, runtime, clock, loopOptions(c, machine.cpuCores), &runtimeWork),
        probeTimer(io, reconciler, clock),
        watcher(
            io, c.manifestDir, c.relistInterval,
            [this](ManifestWatcher::Published p) { onManifests(std::move(p)); },
            c.stateDir + "/manifests.last-good"),
        targets(reconciler),
        machineCores(machine.cpuCores),
        machineMemory(machine.memoryBytes),
        exporter(targets, *cgroups, std::move(machine), exporterOptions(keptFds)),
        tcp(io, router.handler()),
        secure(io, [this](const http::HttpRequest& r) { return secureHandler(r); }),
        unixServer(io, unixRouter.handler()),
        signals(io, SIGINT, SIGTERM) {
    reconciler.setPodNetwork(&network);
  }

  static reconciler::ReconcileLoop::Options loopOptions(const AgentConfig& c, uint64_t cores) {
    reconciler::ReconcileLoop::Options o;
    o.resyncInterval = c.resyncInterval;
    o.maxParallel = maxParallelStartsFor(c.maxParallelStarts, cores);
    return o;
  }

  reconciler::ReconcileHooks reconcileHooks() {
    reconciler::ReconcileHooks h;
    h.startStage = [this](const std::string& stage, double seconds) {
      loopMetrics.observeStartStage(stage, seconds);
    };
    h.podStarted = [this](double s) { agentMetrics.observePodStartLatency(s); };
    h.containerRestarted = [this](const std::string& ns, const std::string& pod,
                                  const std::string& ct) {
      agentMetrics.containerRestarted(ns, pod, ct);
      containerGc.containerRestarted();
    };
    h.podRemoved = [this](const std::string& ns, const std::string& pod) {
      agentMetrics.forgetPod(ns, pod);
    };
    h.requeue = [this](const std::string& key) { loop.enqueue(key); };
    h.probeResult = [this](const std::string& ns, const std::string& pod, const std::string& ct,
                           const std::string& type, const std::string& result) {
      agentMetrics.probeResult(ns, pod, ct, type, result);
    };
    h.probeScheduleChanged = [this] { probeTimer.rearm(); };
    h.imagePulled = [this](double seconds, const Error* failure) {
      pullMetrics.observe(seconds, failure ? image::registry::pullErrorReason(*failure) : "");
    };
    return h;
  }

  void onManifests(ManifestWatcher::Published p) {
    agentMetrics.setManifestErrors(p.filesWithErrors);
    for (const auto& key : reconciler.setDesired(std::move(p.snapshot.pods))) loop.enqueue(key);
  }

  // What the node writes to the fleet (ManifestSources offers it every 2 s): every pod's status
  // (the JSON of /pods, env values redacted) and the node record.
  std::map<std::string, std::string> fleetStatusNow() {
    api::PodApiOptions o;
    o.hostIP = node.hostIP;
    o.nodeName = node.name;
    o.logDir = config.logDir;
    o.nowNs = [this] { return clock.nowNs(); };
    o.probes = [this](const std::string& uid) {
      return std::optional<status::ProbeStatus>(reconciler.status().probeStatus(uid));
    };
    std::map<std::string, std::string> status;
    int pods = 0;
    for (const auto& known : api::allPods(reconciler)) {
      const auto& meta = known.pod.pod.metadata;
      status["pods/" + meta.namespace_ + "_" + meta.name] =
          fleet::redactEnv(api::podView(reconciler, known, o)).dump();
      ++pods;
    }
    fleet::NodeFacts f;
    f.name = node.name;
    f.address = node.hostIP;
    // The port really bound (--listen HOST:0 picks one).
    if (auto plain = readOnlyListen(config); !plain.empty() && tcp.tcpPort() > 0)
      f.metricsListen = plain.substr(0, plain.rfind(':')) + ":" + std::to_string(tcp.tcpPort());
    f.cpuCores = machineCores;
    f.memoryBytes = machineMemory;
    f.version = metrics::buildVersion();
    f.startedAt = startedAt;
    status["node"] = fleet::nodeRecord(f, ready, pods).dump();
    return status;
  }

  void addRoutes() {
    addHealthAndMetricsRoutes(router);
    addPodRoutes(secureRouter, false);
    addHealthAndMetricsRoutes(secureRouter);
    addPodRoutes(unixRouter, true);
    addHealthAndMetricsRoutes(unixRouter);
    for (auto* to : {&secureRouter, &unixRouter})
      api::addNodeRoute(
          *to, [this]() -> const reconciler::NodePressureStatus& { return eviction.status(); },
          node.name);
  }

  // Health and metrics everywhere; the pod API (specs carry env values) on the unix socket
  // and, behind authentication, on the HTTPS port; never on the plain TCP port. Log paths
  // and exec targets (files and namespaces of this machine) only on the unix socket. Nothing
  // on any of them changes state (docs/architecture.md).
  void addPodRoutes(http::Router& to, bool local) {
    api::PodApiOptions pods;
    pods.hostIP = node.hostIP;
    pods.nodeName = node.name;
    pods.logDir = config.logDir;
    pods.nowNs = [this] { return clock.nowNs(); };
    pods.serveLogPaths = local;
    pods.executor = io.get_executor();  // follow=true log streams poll on the loop
    pods.logReads = &logReads;
    pods.probes = [this](const std::string& uid) {
      return std::optional<status::ProbeStatus>(reconciler.status().probeStatus(uid));
    };
    if (local) addExecTargets(pods);
    api::addPodRoutes(to, reconciler, pods);
  }

  // The CLI joins the container itself with what this returns.
  void addExecTargets(api::PodApiOptions& pods) {
    pods.execTarget = [this](const std::string& uid,
                             const std::string& container) -> Result<nlohmann::json> {
      auto target = runtime::loadExecTarget(runtime.layout(), uid, container);
      if (!target) return fail(target.error());
      auto j = runtime::encodeExecTarget(*target);
      j["cgroupMount"] = config.cgroupMount;
      j["shim"] = config.shimPath;
      return j;
    };
    // The shim's socket, which outlives this agent (attach after a restart finds it).
    pods.attachSocket = [this](const std::string& uid, const std::string& container) {
      return runtime.layout().container(uid, container).attach();
    };
  }

  void addHealthAndMetricsRoutes(http::Router& to) {
    to.add("GET", "/healthz", http::healthz);
    to.add("GET", "/readyz", [this](const http::HttpRequest&) {
      if (!ready) return http::HttpResponse::text(503, "starting\n");
      // Ready either way; a node without CNI configuration says so (pods get only lo).
      if (network.lastFoundNoConfig())
        return http::HttpResponse::text(200, "ok\nnetwork: no CNI configuration in " +
                                                 network.confDir() +
                                                 ": pods get a network namespace with only lo\n");
      return http::HttpResponse::text(200, "ok\n");
    });
    http::addMetricsRoutes(
        to, exporter, {&registry, &processCollector},
        [this] {
          agentMetrics.setPodsByPhase(podsByPhase(reconciler));
          countDroppedLogEntries(reconciler, agentMetrics);
          agentMetrics.setPodsWithoutNetwork(network.podsWithoutNetwork());
        },
        [this](std::function<void()> work, std::function<void()> done) {
          scrapes.run(std::move(work), std::move(done));
        });
    to.onResponse([this](const std::string& pattern, int status) {
      agentMetrics.httpRequest(pattern, status);
    });
  }

  Result<void> start() {
    addRoutes();
    if (auto r = cgroups->create(config.cgroupRoot); !r)
      return fail(r.error().context("creating cgroup root " + config.cgroupRoot));
    // As the kubelet does for kubepods: the pods' root competes for CPU with the weight of
    // the whole machine, not of one process.
    runtime::cgroup::Resources root;
    root.cpuShares = runtime::cgroup::cpuSharesFromMilli(int64_t(machineCores) * 1000);
    if (auto r = cgroups->apply(config.cgroupRoot, root); !r)
      spdlog::warn("cgroup root {}: {}", config.cgroupRoot, r.error().message);
    startedAt = clock.nowNs() / 1'000'000'000;
    sources.start();
    if (auto r = watcher.start(); !r) return r;
    loop.onReconciled = [this](double s) { agentMetrics.observeReconcile(s); };
    loop.onEnqueued = [this] { loopLag.wake(); };
    loopLag.start();
    spdlog::info("runtime calls of up to {} pods at once, off the loop (--max-parallel-starts)",
                 maxParallelStartsFor(config.maxParallelStarts, machineCores));
    spdlog::info("image pulls: up to {} at once (serializeImagePulls {}, maxParallelImagePulls {})",
                 imagePullsAtOnce(config), config.serializeImagePulls,
                 config.maxParallelImagePulls);
    loop.onResync = [this] {
      storage.measure();
      imageGc.run(imagesInUse(reconciler));
      containerGc.resync([this] {
        return logGcSnapshot(reconciler, config.logDir,
                             std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
      });
      if (ready) notifyStatus();
    };
    // Ready (systemd's READY=1, /readyz) once pods from an earlier run are adopted and every
    // pod has been looked at once.
    loop.onFirstSync = [this] {
      ready = true;
      notifyStatus();
      systemd.notify("READY=1");
      spdlog::info("first sync done: {}", lastStatus);
    };
    systemd.notify("STATUS=adopting pods from an earlier run and loading manifests");
    watchdog.start();  // from the loop: a blocked loop stops the pings
    loop.start();
    eviction.start();
    if (auto r = listen(); !r) return r;
    signals.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      spdlog::info("signal {}: stopping; containers keep running and are adopted next start", sig);
      systemd.notify("STOPPING=1");
      watchdog.stop();
      watcher.stop();
      sources.stop();
      loop.stop();
      eviction.stop();
      loopLag.stop();
      probeTimer.stop();
      tcp.stop();
      secure.stop();
      if (tokens) tokens->stop();
      unixServer.stop();
      io.stop();
    });
    return {};
  }

  // STATUS= for `systemctl status`, when the counts changed.
  void notifyStatus() {
    int running = 0;
    for (const auto* sandbox : reconciler.observedSandboxes())
      for (const auto& c : sandbox->containers) running += c.running ? 1 : 0;
    std::string status = serviceStatus(podsByPhase(reconciler), running);
    if (status == lastStatus) return;
    lastStatus = status;
    systemd.notify("STATUS=" + status);
  }

  Result<void> listen() {
    const std::string plain = readOnlyListen(config);
    if (!plain.empty()) {
      if (auto r = tcp.listenTcp(plain); !r) return fail(r.error().context("read-only port"));
      spdlog::info("serving /metrics*, /healthz, /readyz on {} (port {}, plain HTTP)", plain,
                   tcp.tcpPort());
    }
    if (auto r = listenSecure(); !r) return r;
    std::string socket =
        config.socketPath.empty() ? config.stateDir + "/podkeeper.sock" : config.socketPath;
    if (auto r = unixServer.listenUnix(socket, 0600); !r) return fail(r.error().context(socket));
    spdlog::info("serving the pod API, log paths and exec targets on {}", socket);
    return {};
  }

  // The HTTPS port: TLS from the flags' files or a self-signed certificate, then the
  // authentication and authorization chain in front of secureRouter.
  Result<void> listenSecure() {
    const std::string address = secureListen(config);
    if (address.empty()) return {};
    http::TlsServerFiles files{config.tlsCertFile, config.tlsPrivateKeyFile, config.clientCaFile};
    if (files.certFile.empty()) {
      std::vector<std::string> ips{node.hostIP};
      if (config.address != "0.0.0.0" && config.address != "::") ips.push_back(config.address);
      auto made = http::ensureSelfSignedCert(config.rootDir + "/pki", node.name, ips);
      if (!made) return fail(made.error().context("self-signed serving certificate"));
      spdlog::info("https: {} self-signed serving certificate {}",
                   made->generated ? "made a" : "using the", made->certFile);
      files.certFile = made->certFile;
      files.keyFile = made->keyFile;
    }
    auto tls = http::makeServerTlsContext(files);
    if (!tls) return fail(tls.error());
    auth::AuthOptions options;
    if (!config.tokenAuthFile.empty()) {
      tokens = std::make_unique<auth::TokenFileSource>(io, config.tokenAuthFile);
      if (auto r = tokens->load(); !r) return r;
      tokens->startWatching();
      options.tokens = [this] { return tokens->table(); };
    }
    if (!config.authorizationPolicyFile.empty()) {
      auto policy = loadPolicy(config.authorizationPolicyFile);
      if (!policy) return fail(policy.error());
      options.policy = std::make_shared<const auth::AuthorizationPolicy>(std::move(*policy));
    } else {
      spdlog::warn(
          "https: no --authorization-policy-file: every authenticated user may read "
          "everything");
    }
    options.anonymousMetrics = config.anonymousMetrics;
    options.refused = [this](std::string_view reason) {
      agentMetrics.httpAuthRefused(std::string(reason));
    };
    secureHandler = auth::requireAuth(secureRouter.handler(), std::move(options));
    if (auto r = secure.listenTls(address, *tls); !r) return fail(r.error().context("--port"));
    spdlog::info("serving the pod API, /metrics*, /healthz, /readyz on {} (port {}, HTTPS)",
                 address, secure.tcpPort());
    return {};
  }

  static Result<auth::AuthorizationPolicy> loadPolicy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return failMsg("--authorization-policy-file " + path + ": cannot be read");
    return auth::parsePolicy(text.str(), path);
  }

  AgentConfig config;
  SystemdNotifier systemd;
  boost::asio::io_context io;
  podkeeper::SystemClock clock;
  std::unique_ptr<runtime::cgroup::CgroupManager> cgroups;
  runtime::LinuxRuntime runtime;
  std::unique_ptr<image::ImageStore> imageStore;  // <image-dir>/.store
  image::StoreImageService images;                // directory images, then the store
  probe::AsioHandlerRunner handlers;  // probes and hooks; outlives the reconciler using it
  prometheus::Registry registry;
  metrics::AgentMetrics agentMetrics;
  metrics::LoopMetrics loopMetrics;  // podkeeper_loop_lag_seconds, pod start stages
  metrics::ImagePullMetrics pullMetrics;
  ImagePulling pulling;  // registries into imageStore, off the loop
  metrics::ProcessCollector processCollector;
  NodeIdentity node;
  reconciler::Reconciler reconciler;
  reconciler::ReconcileLoop loop;
  reconciler::StorageMonitor storage{io, reconciler,
                                     [this](const std::string& key) { loop.enqueue(key); }};
  ImageGcRunner imageGc{io,
                        *imageStore,
                        images,
                        {config.imageGcHighThresholdPercent, config.imageGcLowThresholdPercent},
                        registry};
  // Dead containers' logs and orphaned pod log directories, off the loop (resync()).
  ContainerGcRunner containerGc{io, containerGcPolicy(config)};
  // Node-pressure eviction: the node's signals and the pods' usage read off the loop.
  metrics::EvictionMetrics evictionMetrics{registry};
  reconciler::LinuxNodeStats nodeStats{
      *cgroups, {config.cgroupMount, "/proc", config.rootDir, config.imageDir}};
  reconciler::EvictionMonitor eviction{
      io,
      reconciler,
      nodeStats,
      reconciler::parseEvictionConfig(evictionSettings(config)).value(),  // validateConfig
      clock,
      {.requeue = [this](const std::string& key) { loop.enqueue(key); },
       .evicted = [this](reconciler::Signal s) { evictionMetrics.evicted(toString(s)); },
       .conditions =
           [this](const std::set<reconciler::NodeCondition>& on) {
             std::set<std::string> names;
             for (auto c : on) names.insert(toString(c));
             evictionMetrics.setConditions(names);
           },
       .reclaimDisk =
           [this](std::function<void()> done) {
             imageGc.removeUnused(imagesInUse(reconciler), std::move(done));
           }}};
  // After the loop it queues keys on; destroyed first, waiting for plugins in progress.
  reconciler::CniPodNetwork network{io, networkOptions(config, runtime.layout()),
                                    [this](const std::string& key) { loop.enqueue(key); }};
  reconciler::ProbeTimer probeTimer;
  ManifestWatcher watcher;
  // --manifest-url, --etcd-endpoints and the fleet status writer, feeding the watcher.
  ManifestSources sources{io, config, node.name, watcher, [this] { return fleetStatusNow(); }};
  int64_t startedAt = 0;
  PodTargets targets;
  uint64_t machineCores;
  uint64_t machineMemory;
  metrics::Exporter exporter;
  BackgroundWork logReads{io, 2};  // container log files, off the loop; outlives the servers
  // Metrics scrapes' cgroup reads and rendering, off the loop, one at a time; after the
  // exporter (destroyed first), before the servers (outlives them).
  BackgroundWork scrapes{io, 1};
  http::Router router;
  http::Router unixRouter;
  http::Router secureRouter;
  std::unique_ptr<auth::TokenFileSource> tokens;
  http::Handler secureHandler;  // the auth chain in front of secureRouter
  http::HttpServer tcp;
  http::HttpServer secure;
  http::HttpServer unixServer;
  boost::asio::signal_set signals;
  bool ready = false;
  std::string lastStatus;
  LoopWatchdog watchdog{io, systemd};
  LoopLagMonitor loopLag{io, [this](double s) { loopMetrics.observeLoopLag(s); },
                         [this] { return loop.busy(); }};
  // The reconciler's runtime calls (sandboxes, starts, kills, removals) off the loop. Last:
  // destroyed first, waiting for the calls in progress while the runtime is still there.
  BackgroundWork runtimePool{io, maxParallelStartsFor(config.maxParallelStarts, machineCores)};
  reconciler::BackgroundRuntimeWork runtimeWork{runtimePool};
};

}  // namespace

Result<void> runAgent(const AgentConfig& config) {
  ::signal(SIGPIPE, SIG_IGN);
  // However the configuration was assembled (flags, a file), nothing below starts unchecked.
  if (auto r = validateConfig(config); !r) return r;
  // Before any thread starts: it unsets the variables so children do not inherit them.
  auto systemd = SystemdNotifier::fromEnvironment();
  // Claimed before anything else is touched: a second agent on the same state directory
  // stops here, leaving the first one's socket, pods and cgroups alone.
  if (auto r = runtime::makePrivateDir(config.stateDir); !r) return r;
  const runtime::StateLayout layout(config.stateDir, config.rootDir);
  auto lock = runtime::StateDirLock::acquire(layout.lockFile());
  if (!lock) return fail(lock.error());
  if (auto r = makeDirs(config); !r) return r;
  auto cgroups = runtime::cgroup::makeCgroupManager({config.cgroupMount, "/proc/self/mountinfo"});
  if (!cgroups) return fail(cgroups.error().context("cgroups at " + config.cgroupMount));
  spdlog::info("cgroups: {} mode at {}, root {}", runtime::cgroup::toString((*cgroups)->mode()),
               config.cgroupMount, config.cgroupRoot);
  auto machine = metrics::readMachineInfo();
  if (!machine) return fail(machine.error().context("reading machine facts"));

  static const podkeeper::SystemClock storeClock;
  auto store = image::ImageStore::open(imageStoreRoot(config), storeClock);
  if (!store) return fail(store.error().context("image store"));
  auto auth = image::registry::loadRegistryAuth(config.registry, std::getenv("XDG_RUNTIME_DIR"),
                                                std::getenv("HOME"));
  if (!auth) return fail(auth.error());
  auto agent = std::make_unique<Agent>(config, std::move(*cgroups), std::move(*machine),
                                       keptFdsForExporter(), std::move(*store), std::move(*auth),
                                       std::move(systemd));
  if (auto r = agent->start(); !r) return r;
  runLoop(agent->io);
  spdlog::info("stopped");
  return {};
}

}  // namespace podkeeper::agent
