#include "apps/spdlog_bridge.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "apps/tests/log_capture.h"

namespace protifer::apps {
namespace {

TEST(SpdlogBridgeTest, SpdlogLinesBecomeJsonLinesAtTheMatchingLevel) {
  testing::LogCapture log;
  const auto bridged = MakeBridgedSpdlogLogger("bullmq", log.logger());
  bridged->info("queue {}: worker started", "prediction");
  bridged->warn("lock of job {} lost", 7);
  bridged->error("Redis unreachable");
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0]["level"], 30);
  EXPECT_EQ(lines[0]["msg"], "queue prediction: worker started");
  EXPECT_EQ(lines[0]["component"], "bullmq");
  EXPECT_EQ(lines[0]["name"], "test-worker");
  EXPECT_EQ(lines[1]["level"], 40);
  EXPECT_EQ(lines[1]["msg"], "lock of job 7 lost");
  EXPECT_EQ(lines[2]["level"], 50);
}

TEST(SpdlogBridgeTest, FollowsTheJsonLoggersLevel) {
  testing::LogCapture log(obs::LogLevel::kWarn);
  const auto bridged = MakeBridgedSpdlogLogger("bullmq", log.logger());
  bridged->debug("not written");
  bridged->info("not written either");
  bridged->warn("written");
  EXPECT_EQ(log.Messages(), std::vector<std::string>{"written"});
}

}  // namespace
}  // namespace protifer::apps
