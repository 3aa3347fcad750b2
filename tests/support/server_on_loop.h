#pragma once

#include <gtest/gtest.h>
#include <sys/time.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <thread>

#include "agent/http/http_server.h"
#include "agent/http/router.h"

// The fixture of the suites that talk to a real HttpServer over sockets (header only: the
// suite links pk_http): the server runs on its own loop thread and is destroyed there. Every
// client read has a 5 s socket timeout, so a broken server fails a test instead of hanging it.
namespace podkeeper::http {

template <class Socket>
void boundReads(Socket& s) {
  timeval tv{5, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

class ServerOnLoop : public ::testing::Test {
 protected:
  // The server of `router` (routes added before), not yet listening.
  void makeServer(HttpServerLimits limits = {}) {
    server = std::make_unique<HttpServer>(io, router.handler(), limits);
  }
  void runLoop() {
    loop = std::thread([this] { io.run(); });
  }
  // makeServer, listening on an ephemeral 127.0.0.1 port, with its loop running.
  void serveOnLoopback(HttpServerLimits limits = {}) {
    makeServer(limits);
    ASSERT_TRUE(server->listenTcp("127.0.0.1:0"));
    port = server->tcpPort();
    runLoop();
  }
  boost::asio::ip::tcp::socket connect() {
    boost::asio::ip::tcp::socket s(client);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    boundReads(s);
    return s;
  }
  void TearDown() override {
    boost::asio::post(io, [this] { server.reset(); });
    guard.reset();
    if (loop.joinable()) loop.join();
  }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{io.get_executor()};
  boost::asio::io_context client;
  Router router;
  std::unique_ptr<HttpServer> server;
  std::thread loop;
  uint16_t port = 0;
};

}  // namespace podkeeper::http
