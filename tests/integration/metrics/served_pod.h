#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "agent/http/http_server.h"
#include "agent/http/metrics_routes.h"
#include "agent/http/router.h"
#include "metrics/agent_metrics.h"
#include "real_cgroups.h"

namespace podkeeper::metrics::testing {

// A RealPodTest whose exporter is served as the agent serves it: the metrics routes (with
// the agent's own registry) in `router`, an HttpServer on its own loop thread. TearDown stops
// the server on its loop before the pod goes.
class ServedPodTest : public RealPodTest {
 protected:
  using RealPodTest::RealPodTest;
  // After RealPodTest::SetUp: the routes, then a server answering with `handler` (the router's
  // own when unset) on the listener `listen` opens; then the loop runs.
  void serve(const std::function<bool(http::HttpServer&)>& listen, http::Handler handler = {}) {
    agent = std::make_unique<AgentMetrics>(registry);
    http::addMetricsRoutes(router, *exporter, {&registry});
    server = std::make_unique<http::HttpServer>(io, handler ? handler : router.handler());
    ASSERT_TRUE(listen(*server));
    loop = std::thread([this] { io.run(); });
  }
  void TearDown() override {
    if (loop.joinable()) {
      std::promise<void> done;
      boost::asio::post(io, [&] {
        server->stop();
        done.set_value();
      });
      done.get_future().wait();
      io.stop();
      loop.join();
    }
    server.reset();
    RealPodTest::TearDown();
  }

  prometheus::Registry registry;
  std::unique_ptr<AgentMetrics> agent;
  http::Router router;
  boost::asio::io_context io;
  std::unique_ptr<http::HttpServer> server;
  std::thread loop;
};

}  // namespace podkeeper::metrics::testing
