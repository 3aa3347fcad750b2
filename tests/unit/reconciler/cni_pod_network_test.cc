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
#include "tests/support/text.h"

namespace podkeeper::reconciler::testing {
namespace {

using namespace std::chrono_literals;

mode_t modeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

// A network whose configuration directory is `confDir` of tmp, and every pod's net namespace
// pin and record files of tmp too.
CniPodNetworkOptions optionsIn(const support::TempDir& tmp, const std::string& confDir) {
  CniPodNetworkOptions o;
  o.confDir = tmp.file(confDir);
  o.netnsPath = [&tmp](const std::string& uid) { return tmp.file("netns-" + uid); };
  o.recordPath = [&tmp](const std::string& uid) { return tmp.file("network-" + uid + ".json"); };
  return o;
}

TEST(CniPodNetwork, AMissingConfigurationDirectoryIsMadeAndAPodHasOnlyLoAtOnce) {
  support::TempDir tmp;
  boost::asio::io_context io;
  const CniPodNetworkOptions o = optionsIn(tmp, "etc/cni/net.d");
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

// readyAtOnce says beforehand what ready() will say without starting an ADD: the reconciler
// starts a pod's containers in the job that makes its sandbox only then (an ADD needs the
// sandbox's net namespace first).
TEST(CniPodNetwork, ReadyAtOnceOnlyWhenNoAddIsNeeded) {
  support::TempDir tmp;
  boost::asio::io_context io;
  CniPodNetworkOptions o = optionsIn(tmp, "net.d");
  o.cni.binDirs = {tmp.file("bin")};
  CniPodNetwork net(io, o, [](const std::string&) {});
  io.run_for(300ms);  // its listing, on a worker
  auto web = pod("web", {container("c")});
  auto host = pod("host", {container("c")});
  host.pod.spec.hostNetwork = true;
  auto left = pod("left", {container("c")});  // an earlier ADD's record: DEL may be due
  support::writeTextAtomically(tmp.file("network-" + left.uid + ".json"), "{}");
  EXPECT_TRUE(net.readyAtOnce(web));
  EXPECT_TRUE(net.readyAtOnce(host));
  EXPECT_FALSE(net.readyAtOnce(left));
  ASSERT_TRUE(net.ready(web, "default/web"));
  EXPECT_TRUE(net.readyAtOnce(web));

  support::writeTextAtomically(tmp.file("net.d/10-bridge.conflist"),
                               R"({"cniVersion":"1.0.0","name":"n","plugins":[]})");
  io.restart();
  io.run_for(300ms);  // the watch sees it: new pods need an ADD
  auto next = pod("next", {container("c")});
  EXPECT_FALSE(net.readyAtOnce(next));
  EXPECT_TRUE(net.readyAtOnce(host));
  EXPECT_TRUE(net.readyAtOnce(web));         // settled before: stays as it was
  auto r = net.ready(next, "default/next");  // starts its ADD
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->ready);
  EXPECT_FALSE(net.readyAtOnce(next));
  io.restart();
  io.run_for(300ms);  // the ADD ends (no plugins here): still not ready
  EXPECT_FALSE(net.readyAtOnce(next));
}

}  // namespace
}  // namespace podkeeper::reconciler::testing
