#include "agent/api/host_address.h"

#include <gtest/gtest.h>

namespace podkeeper::api {
namespace {

constexpr const char* kHeader =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

TEST(DefaultRouteInterface, IsTheInterfaceOfTheZeroRouteWithAZeroMask) {
  std::string table = std::string(kHeader) +
                      "eth1\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
                      "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n";
  EXPECT_EQ(defaultRouteInterface(table), "eth0");
}

TEST(DefaultRouteInterface, NoDefaultRouteIsEmpty) {
  std::string table =
      std::string(kHeader) + "eth1\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
  EXPECT_EQ(defaultRouteInterface(table), "");
  EXPECT_EQ(defaultRouteInterface(""), "");
}

}  // namespace
}  // namespace podkeeper::api
