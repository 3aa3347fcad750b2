#include "runtime/bundle/state_json.h"

#include <gtest/gtest.h>

#include "runtime/bundle/shim_config.h"

namespace podkeeper::runtime {
namespace {

TEST(SandboxRecordJson, RoundTrips) {
  const SandboxRecord r{"u1", "web", "default", "web", "abc123", "podkeeper/podu1", 45};
  auto back = decodeSandboxRecord(encodeSandboxRecord(r), "sandbox.json");
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, r);
}

TEST(SandboxRecordJson, CreationTimeAndSidecarsRoundTrip) {
  SandboxRecord r{"u1", "web", "default", "web", "abc123", "podkeeper/podu1", 45};
  r.createdAtNs = 1'700'000'000'123'456'789;
  r.sidecars = {"proxy", "logs"};
  r.logDir = "/var/log/pods/default_web_u1";
  auto back = decodeSandboxRecord(encodeSandboxRecord(r), "sandbox.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, r);
}

TEST(StopRecordJson, RoundTrips) {
  const StopRecord r{1'700'000'006'000'000'000,
                     {"app", "proxy"},
                     "DeadlineExceeded",
                     "Pod was active on the node longer than the specified deadline"};
  auto back = decodeStopRecord(encodeStopRecord(r), "stop.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, r);
}

TEST(StopRecordJson, MissingDeadlineIsNamed) {
  auto r = decodeStopRecord(R"({"signalled":[]})", "/s/stop.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("killDeadlineNs"), std::string::npos) << r.error().message;
}

TEST(ContainerRecordJson, RoundTrips) {
  ContainerRecord r;
  r.name = "app";
  r.image = "busybox:1.36";
  r.cgroupPath = "podkeeper/podu1/app";
  r.shimPid = 100;
  r.shimStartTime = 12345;
  r.pid = 101;
  r.pidStartTime = 12346;
  r.startedAtNs = 1700000000123456789;
  r.restartCount = 4;
  r.warnings = {"oom_score_adj -997 not applied: Permission denied"};
  auto back = decodeContainerRecord(encodeContainerRecord(r), "state.json");
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, r);
}

TEST(ExitRecordJson, RoundTrips) {
  const ExitRecord r{137, 9, true, 10, 20};
  auto back = decodeExitRecord(encodeExitRecord(r), "exit.json");
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->exitCode, 137);
  EXPECT_EQ(back->signal, 9);
  EXPECT_TRUE(back->oomKilled);
  EXPECT_EQ(back->startedAtNs, 10);
  EXPECT_EQ(back->finishedAtNs, 20);
}

TEST(ContainerRecordJson, WrongTypeNamesFileFieldAndValue) {
  auto r = decodeContainerRecord(R"({"cgroupPath":"a","shimPid":"x","pid":1})", "/s/state.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "/s/state.json: field \"shimPid\": invalid value \"x\"");
}

TEST(ExitRecordJson, MissingFieldIsNamed) {
  auto r = decodeExitRecord(R"({"signal":0})", "/s/exit.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "/s/exit.json: field \"exitCode\": missing");
}

TEST(SandboxRecordJson, TruncatedFileIsReportedAsInvalidJson) {
  auto r = decodeSandboxRecord(R"({"uid":"u1","cgroupPa)", "/s/sandbox.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "/s/sandbox.json: not valid JSON");
}

TEST(ShimConfigJson, RoundTrips) {
  ShimConfig c;
  c.sandboxUid = "u1";
  c.containerName = "app";
  c.image = "busybox";
  c.imageId = "docker.io/library/busybox@sha256:" + std::string(64, 'a');
  c.restartCount = 2;
  c.argv = {"sh", "-c", "echo hi"};
  c.env = {"A=1", "PATH=/bin"};
  c.workingDir = "/tmp";
  c.lowerDirs = {"/img/busybox/latest/rootfs"};
  c.sandboxDir = "/run/pk/pods/u1";
  c.logPath = "/var/log/pods/x/app/2.log";
  c.logMaxBytes = 1024;
  c.logMaxFiles = 3;
  c.cgroupPath = "pk/podu1/app";
  c.shimCgroup = "pk/shims";
  c.capabilities = {"CHOWN", "KILL"};
  c.noNewPrivileges = false;
  c.privileged = true;
  c.runAsUser = 1000;
  c.runAsGroup = 0;
  c.oomScoreAdj = -997;
  c.supplementalGroups = {10, 20};
  c.namespaces = {"ipc"};
  c.hostPID = true;
  c.mounts = {{"/src", "/dst", true, "sub/dir", "data"}, {"/a", "/b", false}};
  c.readOnlyRootfs = true;
  auto back = decodeShimConfig(encodeShimConfig(c), "config.json");
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, c);
}

TEST(ShimConfigJson, UnsetOptionalsStayUnset) {
  ShimConfig c;
  c.containerName = "app";
  c.argv = {"true"};
  c.lowerDirs = {"x"};
  c.sandboxDir = c.logPath = c.cgroupPath = c.shimCgroup = "x";
  auto back = decodeShimConfig(encodeShimConfig(c), "config.json");
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_FALSE(back->runAsUser.has_value());
  EXPECT_FALSE(back->oomScoreAdj.has_value());
}

TEST(ShimConfigJson, BundleOfAnOlderAgentHasNoImageId) {
  auto r = decodeShimConfig(
      R"({"containerName":"a","argv":["x"],"lowerDir":"l","sandboxDir":"s","logPath":"p",)"
      R"("cgroupPath":"c","shimCgroup":"s"})",
      "/b/config.json");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->imageId, "");
}

TEST(ShimConfigJson, MountWithoutDestinationIsNamed) {
  auto r = decodeShimConfig(
      R"({"containerName":"a","argv":["x"],"lowerDir":"l","sandboxDir":"s","logPath":"p",)"
      R"("cgroupPath":"c","shimCgroup":"s","mounts":[{"source":"/x"}]})",
      "/b/config.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "/b/config.json: mounts[0]: field \"destination\": missing");
}

TEST(ShimConfigJson, EmptyCommandIsRefused) {
  ShimConfig c;
  c.containerName = "app";
  c.lowerDirs = {"x"};
  c.sandboxDir = c.logPath = c.cgroupPath = c.shimCgroup = "x";
  auto r = decodeShimConfig(encodeShimConfig(c), "/b/config.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "/b/config.json: field \"argv\": empty command");
}

// The crash of issue 10 item 2: a Latin-1 env value reached nlohmann's dump(), which threw.
TEST(ShimConfigJson, EnvValueThatIsNotUtf8IsWrittenReplacedNotThrown) {
  ShimConfig c;
  c.containerName = "app";
  c.argv = {"true"};
  c.lowerDirs = {"x"};
  c.sandboxDir = c.logPath = c.cgroupPath = c.shimCgroup = "x";
  c.env = {"CITY=M\xfcnchen"};  // ü in Latin-1
  std::string text;
  ASSERT_NO_THROW(text = encodeShimConfig(c));
  auto back = decodeShimConfig(text, "config.json");
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->env, std::vector<std::string>{"CITY=M\xef\xbf\xbdnchen"});  // U+FFFD
}

TEST(SandboxRecordJson, NameThatIsNotUtf8IsWrittenReplacedNotThrown) {
  SandboxRecord r{"u1", "caf\xe9", "default", "web", "abc123", "podkeeper/podu1", 45};
  EXPECT_NO_THROW(encodeSandboxRecord(r));
}

}  // namespace
}  // namespace podkeeper::runtime
