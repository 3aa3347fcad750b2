#include "probe/grpc_probe.h"

#include <gtest/gtest.h>

#include "manifests/decode.h"
#include "probe/handler_specs.h"

// gRPC probe results worded as the kubelet's prober (pkg/probe/grpc), and the handler a grpc
// probe becomes.
namespace podkeeper::probe {
namespace {

const std::string kAddr = "127.0.0.1:9090";

HandlerResult result(GrpcCheck c, int64_t timeoutMs = 1000) {
  return grpcProbeResult(c, kAddr, timeoutMs);
}

TEST(GrpcProbe, ServingPassesAndEveryOtherStatusFails) {
  GrpcCheck serving;
  serving.servingStatus = 1;
  EXPECT_EQ(result(serving).outcome, HandlerOutcome::Success);
  EXPECT_EQ(result(serving).message, "service healthy");
  GrpcCheck notServing;
  notServing.servingStatus = 2;
  EXPECT_EQ(result(notServing).outcome, HandlerOutcome::Failure);
  EXPECT_EQ(result(notServing).message, "service unhealthy (responded with \"NOT_SERVING\")");
  GrpcCheck unknown;
  EXPECT_EQ(result(unknown).message, "service unhealthy (responded with \"UNKNOWN\")");
  GrpcCheck odd;
  odd.servingStatus = 9;
  EXPECT_EQ(result(odd).message, "service unhealthy (responded with \"9\")");
}

TEST(GrpcProbe, CallErrorsAreWordedAsTheKubelets) {
  GrpcCheck notFound;
  notFound.code = 5;
  notFound.statusMessage = "unknown service";
  EXPECT_EQ(result(notFound).outcome, HandlerOutcome::Failure);
  EXPECT_EQ(result(notFound).message,
            "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service");
  GrpcCheck unimplemented;
  unimplemented.code = 12;
  unimplemented.statusMessage = "x";
  EXPECT_EQ(result(unimplemented).message,
            "error: this server does not implement the grpc health protocol "
            "(grpc.health.v1.Health): x");
  GrpcCheck deadline;
  deadline.code = 4;
  EXPECT_EQ(result(deadline, 2000).message, "timeout: health rpc did not complete within 2s");
  GrpcCheck weird;
  weird.code = 42;
  EXPECT_EQ(result(weird).message,
            "error: health rpc probe failed: rpc error: code = Code(42) desc = ");
}

TEST(GrpcProbe, AFailedConnectIsTheDialTimeoutAsWithTheKubeletsBlockingDial) {
  GrpcCheck refused;
  refused.connectError = "Connection refused";
  EXPECT_EQ(result(refused).outcome, HandlerOutcome::Failure);
  EXPECT_EQ(result(refused).message,
            "timeout: failed to connect service \"127.0.0.1:9090\" within 1s: context deadline "
            "exceeded");
}

TEST(GrpcProbe, DurationsAreFormattedAsGoDoes) {
  EXPECT_EQ(goDuration(1000), "1s");
  EXPECT_EQ(goDuration(1500), "1.5s");
  EXPECT_EQ(goDuration(1050), "1.05s");
  EXPECT_EQ(goDuration(300), "300ms");
  EXPECT_EQ(goDuration(0), "0s");
}

TEST(GrpcProbe, AGrpcProbeTargetsThePodsOwnAddress) {
  const std::string yaml = R"(apiVersion: v1
kind: Pod
metadata: {name: g}
spec:
  containers:
  - name: app
    image: busybox
    livenessProbe:
      grpc: {port: 9090, service: liveness}
      timeoutSeconds: 3
    readinessProbe:
      grpc: {port: 9091}
)";
  auto decoded = manifests::decodeManifest("g.yaml", yaml);
  ASSERT_TRUE(decoded.ok());
  const auto& pod = decoded.pods.at(0);
  const auto& c = pod.pod.spec.containers.at(0);
  HandlerSpec live = probeHandlerSpec(*c.livenessProbe, c, pod, "10.0.0.1");
  EXPECT_EQ(live.kind, HandlerKind::Grpc);
  EXPECT_TRUE(live.podNetwork);
  EXPECT_EQ(live.address, "127.0.0.1");
  EXPECT_EQ(live.port, 9090);
  EXPECT_EQ(live.grpcService, "liveness");
  EXPECT_EQ(live.timeoutMs, 3000);
  HandlerSpec ready = probeHandlerSpec(*c.readinessProbe, c, pod, "10.0.0.1");
  EXPECT_EQ(ready.grpcService, "");
  EXPECT_EQ(ready.port, 9091);
  EXPECT_STREQ(toString(ready.kind), "grpc");

  auto hostNet = manifests::decodeManifest("h.yaml", yaml.substr(0, yaml.find("  containers:")) +
                                                         "  hostNetwork: true\n" +
                                                         yaml.substr(yaml.find("  containers:")));
  ASSERT_TRUE(hostNet.ok());
  const auto& hp = hostNet.pods.at(0);
  HandlerSpec h = probeHandlerSpec(*hp.pod.spec.containers[0].livenessProbe,
                                   hp.pod.spec.containers[0], hp, "10.0.0.1");
  EXPECT_FALSE(h.podNetwork);
  EXPECT_EQ(h.address, "10.0.0.1");
}

}  // namespace
}  // namespace podkeeper::probe
