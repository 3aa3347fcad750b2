#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime_fixture.h"

namespace podkeeper::runtime::testing {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

using PodOptions = RuntimeFixture;

TEST_F(PodOptions, EmptyDirIsSharedBetweenContainersAndMemoryMediumIsATmpfs) {
  auto sb = sandbox("emptydir");
  sb.emptyDirs = {{"data", true, 1024 * 1024}};
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  auto writer = container(sb, "writer", {"sh", "-c", "echo shared > /data/x"});
  writer.mounts = {{"", "data", "/data", false}};
  start(writer);
  ASSERT_TRUE(waitForExit(sb.uid, "writer").has_value());
  auto reader = container(sb, "reader", {"sh", "-c", "cat /data/x; grep ' /data ' /proc/mounts"});
  reader.mounts = {{"", "data", "/data", true}};
  start(reader);
  ASSERT_TRUE(waitForExit(sb.uid, "reader").has_value());
  const auto log = readFileOr(reader.logPath);
  EXPECT_TRUE(contains(log, "F shared\n")) << log;
  EXPECT_TRUE(contains(log, " /data tmpfs ro,")) << log;
}

TEST_F(PodOptions, HostPathMountHonoursReadOnly) {
  const auto sb = makeSandbox("hostpath");
  const std::string dir = tempRoot() + "/hostpath-src";
  fs::create_directories(dir);
  std::ofstream(dir + "/file") << "from-host\n";
  auto spec =
      container(sb, "app", {"sh", "-c", "cat /host/file; touch /host/new 2>/dev/null || echo ro"});
  spec.mounts = {{dir, "", "/host", true}};
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  EXPECT_TRUE(contains(log, "F from-host\n")) << log;
  EXPECT_TRUE(contains(log, "F ro\n")) << log;
  EXPECT_FALSE(fs::exists(dir + "/new"));
  fs::remove_all(dir);
}

TEST_F(PodOptions, MissingVolumeSourceIsRefusedNamingIt) {
  const auto sb = makeSandbox("nosrc");
  auto spec = container(sb, "app", {"true"});
  spec.mounts = {{"/no/such/dir", "", "/data", false}};
  auto r = runtime_->startContainer(spec);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(contains(r.error().message, "\"/no/such/dir\" does not exist")) << r.error().message;
}

TEST_F(PodOptions, ReadOnlyRootfsRefusesWritesButVolumesStayWritable) {
  auto sb = sandbox("rorootfs");
  sb.emptyDirs = {{"scratch", false, std::nullopt}};
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  auto spec = container(sb, "app",
                        {"sh", "-c",
                         "touch /x 2>/dev/null && echo root=rw || echo root=ro; "
                         "touch /scratch/y && echo vol=rw"});
  spec.readOnlyRootfs = true;
  spec.mounts = {{"", "scratch", "/scratch", false}};
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  EXPECT_TRUE(contains(log, "F root=ro\n")) << log;
  EXPECT_TRUE(contains(log, "F vol=rw\n")) << log;
}

TEST_F(PodOptions, HostNetworkAndHostPidShareTheHostsNamespaces) {
  auto sb = sandbox("hostns");
  sb.hostNetwork = true;
  sb.hostPID = true;
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  const auto spec = container(sb, "app", {"sh", "-c", "hostname; sleep 30"});
  const auto st = start(spec);
  EXPECT_EQ(nsInode(st.pid, "net"), nsInode(::getpid(), "net"));
  EXPECT_EQ(nsInode(st.pid, "uts"), nsInode(::getpid(), "uts"));
  EXPECT_EQ(nsInode(st.pid, "pid"), nsInode(::getpid(), "pid"));
  EXPECT_NE(nsInode(st.pid, "ipc"), nsInode(::getpid(), "ipc"));
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const auto log = waitForLog(spec, [](const std::string& t) { return contains(t, " F "); });
  EXPECT_TRUE(contains(log, std::string("F ") + host + "\n")) << log;
}

TEST_F(PodOptions, HostAliasesAreAppendedToHosts) {
  auto sb = sandbox("aliases");
  sb.hostAliases = {{"10.1.2.3", {"db", "db.local"}}};
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  const auto spec = container(sb, "app", {"cat", "/etc/hosts"});
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  EXPECT_TRUE(contains(readFileOr(spec.logPath), "F 10.1.2.3\tdb\tdb.local\n"))
      << readFileOr(spec.logPath);
}

TEST_F(PodOptions, NamespacedSysctlsAreSetInThePodOnly) {
  const std::string path = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
  const auto hostValue = readFileOr(path);
  auto sb = sandbox("sysctl");
  sb.sysctls = {{"net.ipv4.ip_unprivileged_port_start", "0"}};
  sandboxes_.push_back(sb.uid);
  auto r = runtime_->ensureSandbox(sb);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const auto spec = container(sb, "app", {"cat", path});
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  EXPECT_TRUE(contains(readFileOr(spec.logPath), "F 0\n")) << readFileOr(spec.logPath);
  EXPECT_EQ(readFileOr(path), hostValue);
}

TEST_F(PodOptions, NodeWideSysctlIsRefused) {
  auto sb = sandbox("badsysctl");
  sb.sysctls = {{"vm.swappiness", "10"}};
  sandboxes_.push_back(sb.uid);
  auto r = runtime_->ensureSandbox(sb);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(contains(r.error().message, "vm.swappiness is not namespaced")) << r.error().message;
}

TEST_F(PodOptions, SupplementalGroupsAreSet) {
  const auto sb = makeSandbox("groups");
  auto spec = container(sb, "app", {"id", "-G"});
  spec.runAsUser = 1000;
  spec.runAsGroup = 1000;
  spec.supplementalGroups = {2000, 3000};
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  EXPECT_TRUE(contains(readFileOr(spec.logPath), "F 1000 2000 3000\n")) << readFileOr(spec.logPath);
}

}  // namespace
}  // namespace podkeeper::runtime::testing
