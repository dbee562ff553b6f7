#include "stub_control.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace protifer::kserve_stub {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class StubControlTest : public ::testing::Test {
 protected:
  ControlReply Run(const std::string& line) {
    return ExecuteControlCommand(line, ControlTargets{catalog_, faults_, response_, metrics_});
  }

  ModelCatalog catalog_ = ModelCatalog::BuiltIn();
  FaultInjector faults_;
  ResponseSettings response_;
  StubMetrics metrics_{catalog_, 1.0};
};

TEST_F(StubControlTest, FailConsumesScriptedCount) {
  ASSERT_EQ(Run("fail seth 2 UNAVAILABLE upstream  busy").text, "ok");
  for (int i = 0; i < 2; ++i) {
    auto failure = faults_.TakeFailure("seth");
    ASSERT_TRUE(failure.has_value());
    EXPECT_EQ(failure->error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(failure->error_message(), "upstream  busy");
  }
  EXPECT_FALSE(faults_.TakeFailure("seth").has_value());
  EXPECT_FALSE(faults_.TakeFailure("vespag").has_value());
}

TEST_F(StubControlTest, CorruptConsumesScriptedCountAndClears) {
  ASSERT_EQ(Run("corrupt tmbed 2 truncate").text, "ok");
  ASSERT_TRUE(Run("corrupt * 1 doubled").ok());
  EXPECT_EQ(faults_.TakeCorruption("tmbed"), Corruption::kTruncate);
  EXPECT_EQ(faults_.TakeCorruption("tmbed"), Corruption::kTruncate);
  EXPECT_EQ(faults_.TakeCorruption("tmbed"), Corruption::kDoubled);  // then the '*' entry
  EXPECT_FALSE(faults_.TakeCorruption("seth").has_value());
  EXPECT_THAT(Run("corrupt seth 1 scramble").text, StartsWith("error: "));
  ASSERT_TRUE(Run("corrupt seth 3 doubled").ok());
  ASSERT_TRUE(Run("clear").ok());
  EXPECT_FALSE(faults_.TakeCorruption("seth").has_value());
}

TEST_F(StubControlTest, ModelEntryBeatsGlobalEntry) {
  ASSERT_TRUE(Run("fail * 5 8").ok());
  ASSERT_TRUE(Run("fail seth 1 INTERNAL specific").ok());
  EXPECT_EQ(faults_.TakeFailure("seth")->error_message(), "specific");
  EXPECT_EQ(faults_.TakeFailure("seth")->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(faults_.TakeFailure("vespag")->error_message(), "kserve-stub: scripted failure");
}

TEST_F(StubControlTest, LatencyReadinessAndClear) {
  ASSERT_TRUE(Run("latency * 40").ok());
  ASSERT_TRUE(Run("not-ready tmbed unloaded").ok());
  ASSERT_TRUE(Run("server-not-ready").ok());
  EXPECT_EQ(faults_.Latency("seth").count(), 40);
  EXPECT_EQ(faults_.NotReady("tmbed"), NotReadyStyle::kUnloaded);
  EXPECT_FALSE(faults_.NotReady("seth").has_value());
  EXPECT_FALSE(faults_.ServerReady());
  ASSERT_TRUE(Run("ready tmbed").ok());
  EXPECT_FALSE(faults_.NotReady("tmbed").has_value());
  ASSERT_TRUE(Run("clear").ok());
  EXPECT_EQ(faults_.Latency("seth").count(), 0);
  EXPECT_TRUE(faults_.ServerReady());
}

TEST_F(StubControlTest, ExitAfterCountsCalls) {
  ASSERT_TRUE(Run("exit-after 3 7").ok());
  EXPECT_FALSE(faults_.CountCall().has_value());
  EXPECT_FALSE(faults_.CountCall().has_value());
  EXPECT_EQ(faults_.CountCall(), 7);
  EXPECT_FALSE(faults_.CountCall().has_value());
  const ControlReply exit_now = Run("exit 4");
  EXPECT_EQ(exit_now.exit_code, 4);
}

TEST_F(StubControlTest, ResponseKnobs) {
  ASSERT_TRUE(Run("output-order reversed").ok());
  ASSERT_TRUE(Run("output-contents typed").ok());
  EXPECT_EQ(response_.order.load(), OutputOrder::kReversed);
  EXPECT_EQ(response_.contents.load(), OutputContents::kTyped);
  const ControlReply status = Run("status");
  ASSERT_THAT(status.text, StartsWith("ok {"));
  const auto json = nlohmann::json::parse(status.text.substr(3));
  EXPECT_EQ(json["output_order"], "reversed");
  EXPECT_EQ(json["output_contents"], "typed");
}

TEST_F(StubControlTest, RejectsBadCommands) {
  EXPECT_THAT(Run("fail nosuchmodel 1 UNAVAILABLE").text, HasSubstr("unknown model 'nosuchmodel'"));
  EXPECT_THAT(Run("fail seth 1 NOPE").text, HasSubstr("unknown status code 'NOPE'"));
  EXPECT_THAT(Run("fail seth x UNAVAILABLE").text, HasSubstr("count must be"));
  EXPECT_THAT(Run("latency seth -5").text, StartsWith("error:"));
  EXPECT_THAT(Run("not-ready seth sometimes").text, StartsWith("error:"));
  EXPECT_THAT(Run("output-order sideways").text, StartsWith("error:"));
  EXPECT_THAT(Run("frobnicate").text, HasSubstr("unknown command 'frobnicate'"));
  EXPECT_THAT(Run("").text, StartsWith("error:"));
  EXPECT_THAT(Run("help").text, HasSubstr("exit-after"));
}

TEST(StatusCodeTest, NamesAndNumbers) {
  EXPECT_EQ(ParseStatusCode("UNAVAILABLE"), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ParseStatusCode("8"), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(ParseStatusCode("0").has_value());
  EXPECT_FALSE(ParseStatusCode("OK").has_value());
  EXPECT_FALSE(ParseStatusCode("17").has_value());
}

}  // namespace
}  // namespace protifer::kserve_stub
