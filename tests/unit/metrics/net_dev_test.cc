#include "metrics/net_dev.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/cadvisor_renderer.h"
#include "sample_builders.h"

namespace podkeeper::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kNetDev =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
    "    lo:     100       2    0    0    0     0          0         0      100       2    0 "
    "   0    0     0       0          0\n"
    "  eth0:    5000      40    1    2    0     0          0         0     3000      30    3 "
    "   4    0     0       0          0\n";

TEST(NetDev, ParsesEveryInterfaceButLo) {
  auto stats = parseNetDev(kNetDev);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0], (InterfaceStats{"eth0", 5000, 40, 1, 2, 3000, 30, 3, 4}));
  EXPECT_TRUE(parseNetDev("garbage\n  eth0: 1 2\n").empty());
}

TEST(NetDev, PodRowsGetTheNetworkFamiliesWithTheInterfaceLabel) {
  TargetSample pod{testing::podTarget("web", "podkeeper/burstable/poduid-1"), testing::fullStats(),
                   parseNetDev(kNetDev)};
  std::string out;
  CadvisorRenderer().render(std::vector<TargetSample>{pod}, MachineInfo{}, 1, false, out);
  EXPECT_THAT(out, HasSubstr("# TYPE container_network_receive_bytes_total counter\n"
                             "container_network_receive_bytes_total{container=\"\",id=\"/"
                             "podkeeper/burstable/poduid-1\",image=\"\",interface=\"eth0\","
                             "name=\"\",namespace=\"default\",pod=\"web\"} 5000\n"));
  EXPECT_THAT(out, HasSubstr("container_network_transmit_packets_dropped_total{"));
  // In name order: after the memory families, before container_oom_events_total.
  EXPECT_LT(out.find("container_memory_working_set_bytes"),
            out.find("container_network_receive_bytes_total"));
  EXPECT_LT(out.find("container_network_transmit_packets_total"),
            out.find("container_oom_events_total"));
  std::string none;
  pod.network.clear();
  CadvisorRenderer().render(std::vector<TargetSample>{pod}, MachineInfo{}, 1, false, none);
  EXPECT_THAT(none, Not(HasSubstr("container_network")));
}

TEST(NetDev, ReadsThroughAKeptFileOfAProcessInThePod) {
  NetDevFiles files;
  auto self = files.read("uid", ::getpid());
  EXPECT_EQ(files.openFds(), 1u);
  files.sweep();  // read since the last sweep: kept
  EXPECT_EQ(files.openFds(), 1u);
  files.sweep();  // not read since: closed
  EXPECT_EQ(files.openFds(), 0u);
  EXPECT_TRUE(files.read("gone", 0).empty());
  (void)self;
}

}  // namespace
}  // namespace podkeeper::metrics
