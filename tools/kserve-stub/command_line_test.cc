#include "command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace protifer::kserve_stub {
namespace {

using ::testing::HasSubstr;

TEST(CommandLineTest, DefaultsAreTritons) {
  const CommandLine line = ParseCommandLine({});
  ASSERT_TRUE(line.error.empty());
  EXPECT_EQ(line.options.port, 8001);
  EXPECT_EQ(line.options.metrics_port, 8002);
  EXPECT_EQ(line.options.control_port, -1);
  EXPECT_EQ(line.options.transport.max_message_bytes, 2147483647);
  EXPECT_EQ(line.options.transport.http2_min_recv_ping_interval_without_data_ms, 300000);
  EXPECT_EQ(line.options.transport.http2_max_ping_strikes, 2);
  EXPECT_EQ(line.options.transport.max_concurrent_streams, 0);
  EXPECT_EQ(line.options.transport.resource_quota_bytes, 0u);
  EXPECT_EQ(line.options.catalog.models().size(), 23u);
}

TEST(CommandLineTest, BothValueForms) {
  const CommandLine line = ParseCommandLine(
      {"--port=0", "--metrics-port", "-1", "--time-scale=0.01", "--resource-quota-bytes", "1048576",
       "--max-concurrent-streams=4", "--output-order=reversed", "--output-contents", "typed",
       "--fault=fail seth 1 UNAVAILABLE x", "--fault", "latency * 5", "--log-level=debug",
       "--shutdown-grace-ms=0"});
  ASSERT_TRUE(line.error.empty()) << line.error;
  EXPECT_EQ(line.options.port, 0);
  EXPECT_EQ(line.options.metrics_port, -1);
  EXPECT_DOUBLE_EQ(line.options.time_scale, 0.01);
  EXPECT_EQ(line.options.transport.resource_quota_bytes, 1048576u);
  EXPECT_EQ(line.options.transport.max_concurrent_streams, 4);
  EXPECT_EQ(line.options.output_order, OutputOrder::kReversed);
  EXPECT_EQ(line.options.output_contents, OutputContents::kTyped);
  EXPECT_EQ(line.options.fault_commands.size(), 2u);
  EXPECT_EQ(line.log_level, LogLevel::kDebug);
  EXPECT_EQ(line.options.shutdown_grace.count(), 0);
}

TEST(CommandLineTest, ErrorsAreClear) {
  EXPECT_THAT(ParseCommandLine({"--prot=1"}).error, HasSubstr("unknown flag '--prot'"));
  EXPECT_THAT(ParseCommandLine({"--port=abc"}).error, HasSubstr("--port expects an integer"));
  EXPECT_THAT(ParseCommandLine({"--port"}).error, HasSubstr("--port needs a value"));
  EXPECT_THAT(ParseCommandLine({"--time-scale=0"}).error, HasSubstr("--time-scale expects"));
  EXPECT_THAT(ParseCommandLine({"--resource-quota-bytes=-1"}).error, HasSubstr("expects"));
  EXPECT_THAT(ParseCommandLine({"serve"}).error, HasSubstr("unexpected argument 'serve'"));
  EXPECT_THAT(ParseCommandLine({"--models=/nonexistent.json"}).error, HasSubstr("cannot open"));
}

TEST(CommandLineTest, HelpMentionsEveryFlag) {
  EXPECT_TRUE(ParseCommandLine({"--port=1", "--help"}).help);
  const std::string usage = UsageText();
  for (const char* flag : {"--host",
                           "--port",
                           "--metrics-port",
                           "--control-port",
                           "--models",
                           "--time-scale",
                           "--compute-threads",
                           "--output-order",
                           "--output-contents",
                           "--fault",
                           "--max-concurrent-streams",
                           "--resource-quota-bytes",
                           "--max-message-bytes",
                           "--http2-min-recv-ping-interval-without-data-ms",
                           "--http2-max-ping-strikes",
                           "--keepalive-time-ms",
                           "--keepalive-timeout-ms",
                           "--keepalive-permit-without-calls",
                           "--http2-max-pings-without-data",
                           "--max-connection-age-ms",
                           "--max-connection-age-grace-ms",
                           "--shutdown-grace-ms",
                           "--log-level",
                           "--help"}) {
    EXPECT_THAT(usage, HasSubstr(flag));
  }
}

}  // namespace
}  // namespace protifer::kserve_stub
