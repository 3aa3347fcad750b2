#include "agent/http/listen_address.h"

#include <gtest/gtest.h>

namespace podkeeper::http {
namespace {

TEST(ListenAddress, ParsesIpv4HostAndPort) {
  auto a = parseListenAddress("0.0.0.0:10255");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->address.to_string(), "0.0.0.0");
  EXPECT_EQ(a->port, 10255);
}

TEST(ListenAddress, ParsesBracketedIpv6) {
  auto a = parseListenAddress("[::1]:0");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->address.is_v6());
  EXPECT_EQ(a->port, 0);
}

TEST(ListenAddress, EmptyHostMeansAllIpv4Interfaces) {
  auto a = parseListenAddress(":8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->address.to_string(), "0.0.0.0");
}

TEST(ListenAddress, RejectsHostNamesNamingTheValue) {
  auto a = parseListenAddress("localhost:80");
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("\"localhost\""), std::string::npos);
}

TEST(ListenAddress, RejectsBadPorts) {
  EXPECT_FALSE(parseListenAddress("127.0.0.1:65536"));
  EXPECT_FALSE(parseListenAddress("127.0.0.1:"));
  EXPECT_FALSE(parseListenAddress("127.0.0.1:80x"));
  EXPECT_FALSE(parseListenAddress("127.0.0.1"));
}

TEST(ListenAddress, RejectsUnbracketedIpv6) { EXPECT_FALSE(parseListenAddress("::1:80")); }

}  // namespace
}  // namespace podkeeper::http
