#include "agent/config.h"

#include <gtest/gtest.h>

// The kubelet-shaped listener flags: which addresses the plain and HTTPS listeners get, and
// the errors for values CLI11 cannot check.
namespace podkeeper::agent {
namespace {

TEST(ListenerConfig, DefaultsAreTheKubeletsPorts) {
  AgentConfig c;
  EXPECT_TRUE(validateConfig(c));
  EXPECT_EQ(readOnlyListen(c), "0.0.0.0:10255");
  EXPECT_EQ(secureListen(c), "0.0.0.0:10250");
}

TEST(ListenerConfig, ZeroTurnsAPortOffAndListenOverridesThePlainOne) {
  AgentConfig c;
  c.port = 0;
  c.readOnlyPort = 0;
  EXPECT_EQ(secureListen(c), "");
  EXPECT_EQ(readOnlyListen(c), "");
  c.listen = "127.0.0.1:9100";
  EXPECT_EQ(readOnlyListen(c), "127.0.0.1:9100");
}

TEST(ListenerConfig, AnIpv6AddressIsBracketed) {
  AgentConfig c;
  c.address = "::1";
  EXPECT_EQ(secureListen(c), "[::1]:10250");
  EXPECT_EQ(readOnlyListen(c), "[::1]:10255");
}

void expectRefused(AgentConfig c, const std::string& expected) {
  auto r = validateConfig(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(expected), std::string::npos) << r.error().message;
}

TEST(ListenerConfig, BadValuesAreNamed) {
  AgentConfig c;
  c.port = 70000;
  expectRefused(c, "--port: 70000");
  c = {};
  c.address = "node-a";
  expectRefused(c, "--address: \"node-a\" is not an IP address");
  c = {};
  c.tlsCertFile = "/etc/pk/tls.crt";
  expectRefused(c, "--tls-cert-file and --tls-private-key-file go together");
  c = {};
  c.tokenAuthFile = "tokens.csv";
  expectRefused(c, "--token-auth-file: \"tokens.csv\" is not an absolute path");
}

TEST(ImagePullConfig, PullsAreSerializedByDefaultAndBoundedByMaxParallelImagePulls) {
  AgentConfig c;
  EXPECT_TRUE(c.serializeImagePulls);
  EXPECT_EQ(imagePullsAtOnce(c), 1u);
  c.maxParallelImagePulls = 1;  // allowed with serialized pulls, as by the kubelet
  EXPECT_TRUE(validateConfig(c));
  EXPECT_EQ(imagePullsAtOnce(c), 1u);
  c.serializeImagePulls = false;
  c.maxParallelImagePulls = 5;
  EXPECT_TRUE(validateConfig(c));
  EXPECT_EQ(imagePullsAtOnce(c), 5u);
  c.maxParallelImagePulls = 0;  // not set: no bound of the user's
  EXPECT_EQ(imagePullsAtOnce(c), kImageUnboundedPulls);
}

TEST(ImagePullConfig, TheKubeletsChecksAndMessages) {
  AgentConfig c;
  c.maxParallelImagePulls = 3;
  expectRefused(c,
                "invalid configuration: maxParallelImagePulls cannot be larger than 1 unless "
                "SerializeImagePulls (--serialize-image-pulls) is set to false");
  c.serializeImagePulls = false;
  c.maxParallelImagePulls = -2;
  expectRefused(c, "invalid configuration: maxParallelImagePulls -2 must be a positive number");
}

}  // namespace
}  // namespace podkeeper::agent
