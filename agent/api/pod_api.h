#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "agent/api/exec_target_loader.h"
#include "agent/http/router.h"
#include "common/background_work.h"
#include "status/pod_reader.h"

// The read-only pod API (docs/architecture.md#http-the-api-and-the-cli), in the shapes
// kubectl and client libraries know:
//   GET /pods                              PodList (every namespace)
//   GET /pods/<namespace>/<name>           Pod
//   GET /pods/<namespace>/<name>/events    EventList
//   GET /pods/<namespace>/<name>/logpath?container=C&previous=true
//       {"path", "container", "restartCount", "running"}: where the CLI reads the CRI log;
//       served only when serveLogPaths is set (the unix socket), never on TCP.
//   GET /pods/<namespace>/<name>/exec?container=C
//       {"container", "defaulted", "target"}: how `podkeeper exec` joins the container; served
//       only when execTarget is set (the unix socket), never on TCP.
//   GET /pods/<namespace>/<name>/attach?container=C  with Upgrade: podkeeper-attach
//       101, then attach frames both ways between the client and the container's shim
//       (attach.h); served only when attachSocket is set (the unix socket), never on TCP.
//   GET /containerLogs/<namespace>/<pod>/<container>?follow&tailLines&timestamps&previous&
//       sinceSeconds&limitBytes: the container's log as kubectl logs prints it (container_logs.h);
//       a chunked body read off the loop; with follow=true, then new lines until the pod goes
//       away (log_stream.h)
// Errors are Kubernetes Status objects (kind Status, reason NotFound / BadRequest, code).
namespace podkeeper::api {

struct PodApiOptions {
  std::string hostIP;    // status.hostIP, and status.podIP (pods share the host's network)
  std::string nodeName;  // spec.nodeName; "" leaves it out
  std::string logDir;    // root of the CRI log files (/var/log/pods)
  std::function<int64_t()> nowNs;  // wall clock in nanoseconds
  bool serveLogPaths = false;
  // What probes and hooks say about a pod's containers (by uid). Unset, or nullopt for a pod:
  // a running container counts as ready and started.
  std::function<std::optional<status::ProbeStatus>(const std::string& uid)> probes;
  ExecTargetLoader execTarget = {};  // unset: no exec route
  // (uid, container) -> the shim's attach socket; unset: no attach route (needs executor).
  std::function<std::string(const std::string& uid, const std::string& container)> attachSocket =
      {};
  // The loop (follow=true streams poll on its timers) and the workers that read log files;
  // either unset: container logs are a 400.
  boost::asio::any_io_executor executor = {};
  BackgroundWork* logReads = nullptr;
  size_t maxLogStreams = 64;  // concurrent container log bodies; more get a 429
};

// The handlers read `pods` when called: call them on the loop that writes it (the reconciler's).
void addPodRoutes(http::Router& router, const status::PodReader& pods, PodApiOptions options);

}  // namespace podkeeper::api
