#include "apps/boot_gate.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "apps/tests/log_capture.h"
#include "triton/testing/scripted_inference_client.h"

namespace protifer::apps {
namespace {

using std::chrono::milliseconds;
using triton::testing::ScriptedInferenceClient;
using Outcome = BootGateResult::Outcome;

const std::vector<std::string> kModels = {"prott5_sec", "seth", "tmbed"};

// Drives the gate on a fake clock: every pause advances it and may change the server.
class BootGateTest : public ::testing::Test {
 protected:
  BootGateTest() {
    for (const std::string& model : kModels) {
      client_.SetModelReady(model, true);
    }
  }

  BootGateOptions Options(milliseconds timeout = milliseconds(10000),
                          milliseconds interval = milliseconds(1000)) {
    BootGateOptions options;
    options.timeout = timeout;
    options.retry_interval = interval;
    options.now = [this] { return now_; };
    options.pause = [this](milliseconds pause) {
      pauses_.push_back(pause);
      now_ += pause;
      if (on_pause_) {
        on_pause_(static_cast<int>(pauses_.size()));
      }
      return stop_after_pauses_ > 0 && static_cast<int>(pauses_.size()) >= stop_after_pauses_;
    };
    return options;
  }

  BootGateResult Run(const BootGateOptions& options) {
    return WaitForTriton(client_, kModels, options, log_.logger());
  }

  ScriptedInferenceClient client_;
  testing::LogCapture log_;
  std::chrono::steady_clock::time_point now_{};
  std::vector<milliseconds> pauses_;
  std::function<void(int)> on_pause_;
  int stop_after_pauses_ = 0;
};

TEST_F(BootGateTest, PassesAtOnceWhenEverythingIsReady) {
  const BootGateResult result = Run(Options());
  EXPECT_EQ(result.outcome, Outcome::kReady);
  EXPECT_EQ(result.rounds, 1);
  EXPECT_TRUE(pauses_.empty());
  EXPECT_EQ(log_.Messages(),
            (std::vector<std::string>{"ServerReady ok", "ModelReady ok", "ModelReady ok",
                                      "ModelReady ok", "Boot gate passed"}));
  const auto lines = log_.Lines();
  EXPECT_EQ(lines[1]["model"], "prott5_sec");
  EXPECT_EQ(lines[3]["model"], "tmbed");
  EXPECT_EQ(lines[4]["models"], nlohmann::json(kModels));
}

TEST_F(BootGateTest, WaitsForTheServerThenForTheModelsThatAreLate) {
  client_.SetServerReady(false);
  client_.SetModelReady("seth", false);
  on_pause_ = [this](int pause) {
    if (pause == 2) {
      client_.SetServerReady(true);
    }
    if (pause == 4) {
      client_.SetModelReady("seth", true);
    }
  };
  const BootGateResult result = Run(Options());
  EXPECT_EQ(result.outcome, Outcome::kReady);
  EXPECT_EQ(result.rounds, 5);
  EXPECT_EQ(result.waited, milliseconds(4000));
  EXPECT_EQ(pauses_, std::vector<milliseconds>(4, milliseconds(1000)));
  // Each model is reported ready once; the waiting line only when the problem changes.
  EXPECT_EQ(log_.Messages(),
            (std::vector<std::string>{
                "Triton not ready — waiting", "ServerReady ok", "ModelReady ok", "ModelReady ok",
                "Triton not ready — waiting", "ModelReady ok", "Boot gate passed"}));
  const auto lines = log_.Lines();
  EXPECT_EQ(lines[0]["problem"], "ServerReady is false");
  EXPECT_EQ(lines[4]["problem"], "model seth is not ready");
  EXPECT_EQ(lines[5]["model"], "seth");
}

TEST_F(BootGateTest, TimesOutNamingTheModelsThatWereNotReady) {
  client_.SetModelReady("seth", false);
  client_.SetModelReady("tmbed", false);
  const BootGateResult result = Run(Options(milliseconds(2500), milliseconds(1000)));
  EXPECT_EQ(result.outcome, Outcome::kTimedOut);
  EXPECT_EQ(result.not_ready, (std::vector<std::string>{"seth", "tmbed"}));
  EXPECT_EQ(result.last_problem, "model seth is not ready");
  // The last pause is cut to the deadline, then one more round is tried.
  EXPECT_EQ(pauses_,
            (std::vector<milliseconds>{milliseconds(1000), milliseconds(1000), milliseconds(501)}));
  const nlohmann::json last = log_.Lines().back();
  EXPECT_EQ(last["msg"], "Boot gate timed out — exiting");
  EXPECT_EQ(last["level"], 50);
  EXPECT_EQ(last["notReady"], (nlohmann::json{"seth", "tmbed"}));
  EXPECT_EQ(last["timeoutMs"], 2500);
}

TEST_F(BootGateTest, AnUnreachableServerIsWaitedForWithTheErrorLogged) {
  client_.SetProbeError(triton::TritonError::FromStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses"), 1));
  on_pause_ = [this](int pause) {
    if (pause == 3) {
      client_.SetProbeError(std::nullopt);
    }
  };
  const BootGateResult result = Run(Options());
  EXPECT_EQ(result.outcome, Outcome::kReady);
  EXPECT_EQ(result.rounds, 4);
  const nlohmann::json first = log_.Lines().front();
  EXPECT_EQ(first["msg"], "Triton not ready — waiting");
  EXPECT_EQ(first["problem"],
            "ServerReady failed: UNAVAILABLE: failed to connect to all addresses");
}

TEST_F(BootGateTest, TimesOutWhileTheServerIsNotReadyWithEveryModelPending) {
  client_.SetServerReady(false);
  const BootGateResult result = Run(Options(milliseconds(1500), milliseconds(1000)));
  EXPECT_EQ(result.outcome, Outcome::kTimedOut);
  EXPECT_EQ(result.not_ready, kModels);
  EXPECT_EQ(result.last_problem, "ServerReady is false");
}

TEST_F(BootGateTest, AShutdownRequestDuringTheWaitEndsTheGate) {
  client_.SetServerReady(false);
  stop_after_pauses_ = 2;
  const BootGateResult result = Run(Options());
  EXPECT_EQ(result.outcome, Outcome::kInterrupted);
  EXPECT_EQ(pauses_.size(), 2U);
}

}  // namespace
}  // namespace protifer::apps
