#include "agent/sd_notify.h"

#include <gtest/gtest.h>

// The pure parts of the systemd notify protocol: whose watchdog it is, and the STATUS line.
namespace podkeeper::agent {
namespace {

using namespace std::chrono_literals;

TEST(Watchdog, PingsAtHalfOfWatchdogUsecWhenMeantForThisProcess) {
  EXPECT_EQ(watchdogPingInterval("30000000", "1234", 1234), 15s);
  EXPECT_EQ(watchdogPingInterval("30000000", nullptr, 1234), 15s);  // as sd_watchdog_enabled
}

TEST(Watchdog, IsOffForAnotherProcessOrWithoutAPositiveUsec) {
  EXPECT_FALSE(watchdogPingInterval("30000000", "999", 1234));
  EXPECT_FALSE(watchdogPingInterval(nullptr, "1234", 1234));
  EXPECT_FALSE(watchdogPingInterval("0", "1234", 1234));
  EXPECT_FALSE(watchdogPingInterval("-5", "1234", 1234));
  EXPECT_FALSE(watchdogPingInterval("30s", "1234", 1234));
  EXPECT_FALSE(watchdogPingInterval("30000000", "12x", 1234));
}

TEST(ServiceStatus, CountsPodsByPhaseAndRunningContainers) {
  EXPECT_EQ(serviceStatus({{"Running", 2}, {"Pending", 1}, {"Failed", 0}}, 5),
            "3 pods (1 Pending, 2 Running), 5 containers running");
  EXPECT_EQ(serviceStatus({{"Running", 1}}, 1), "1 pod (1 Running), 1 container running");
  EXPECT_EQ(serviceStatus({}, 0), "0 pods, 0 containers running");
}

}  // namespace
}  // namespace podkeeper::agent
