#include "apps/shutdown_signal.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace protifer::apps {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Each test runs in a process of its own (gtest_discover_tests), and the ShutdownSignal is made
// before any other thread, as in main(): a process-directed signal can only reach its thread.

TEST(ShutdownSignalTest, SigtermWakesTheWaiterInsteadOfKillingTheProcess) {
  ShutdownSignal shutdown;
  EXPECT_FALSE(shutdown.reason().has_value());
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  EXPECT_EQ(shutdown.Wait(), "SIGTERM");
  EXPECT_EQ(shutdown.reason(), "SIGTERM");
}

TEST(ShutdownSignalTest, SigintIsNamedToo) {
  ShutdownSignal shutdown;
  ASSERT_EQ(kill(getpid(), SIGINT), 0);
  EXPECT_TRUE(shutdown.WaitFor(seconds(30)));
  EXPECT_EQ(shutdown.reason(), "SIGINT");
}

TEST(ShutdownSignalTest, WaitForTimesOutWithoutASignal) {
  ShutdownSignal shutdown;
  EXPECT_FALSE(shutdown.WaitFor(milliseconds(20)));
}

TEST(ShutdownSignalTest, LaterSignalsGoToTheRepeatHandlerAndKeepTheFirstReason) {
  ShutdownSignal shutdown;
  std::atomic<int> repeats{0};
  shutdown.OnRepeatedSignal([&](std::string_view name) {
    EXPECT_EQ(name, "SIGINT");
    ++repeats;
  });
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  EXPECT_EQ(shutdown.Wait(), "SIGTERM");
  ASSERT_EQ(kill(getpid(), SIGINT), 0);
  for (int i = 0; i < 3000 && repeats.load() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(repeats.load(), 1);
  EXPECT_EQ(shutdown.reason(), "SIGTERM");
}

TEST(ShutdownSignalTest, RequestBehavesLikeASignal) {
  ShutdownSignal shutdown;
  std::thread requester([&] { shutdown.Request("boot gate failed"); });
  EXPECT_EQ(shutdown.Wait(), "boot gate failed");
  requester.join();
  shutdown.Request("ignored: the first reason stays");
  EXPECT_EQ(shutdown.reason(), "boot gate failed");
}

}  // namespace
}  // namespace protifer::apps
