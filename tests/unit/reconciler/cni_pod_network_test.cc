// CniPodNetwork's view of its configuration directory, on a real directory: one that does not
// exist yet is made (as containerd does) and watched, so a pod on a node without CNI has its
// network settled at once, with no ADD between its sandbox and its containers.
#include "reconciler/cni_pod_network.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>

#include "tests/support/temp_dir.h"
#include "tests/support/test_pods.h"

namespace podkeeper::reconciler::testing {
namespace {

using namespace std::chrono_literals;

mode_t modeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

TEST(CniPodNetwork, AMissingConfigurationDirectoryIsMadeAndAPodHasOnlyLoAtOnce) {
  support::TempDir tmp;
  boost::asio::io_context io;
  CniPodNetworkOptions o;
  o.confDir = tmp.file("etc/cni/net.d");
  o.netnsPath = [&](const std::string& uid) { return tmp.file("netns-" + uid); };
  o.recordPath = [&](const std::string& uid) { return tmp.file("network-" + uid + ".json"); };
  CniPodNetwork net(io, o, [](const std::string&) {});
  EXPECT_EQ(modeOf(tmp.file("etc/cni")), 0755u);
  EXPECT_EQ(modeOf(o.confDir), 0700u);
  io.run_for(300ms);  // its listing, on a worker
  auto web = pod("web", {container("c")});
  auto r = net.ready(web, "default/web");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->ready);
  EXPECT_EQ(r->eventReason, "NetworkNotConfigured");
  EXPECT_EQ(net.podsWithoutNetwork(), 1u);
}

}  // namespace
}  // namespace podkeeper::reconciler::testing
