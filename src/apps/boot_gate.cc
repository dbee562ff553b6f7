#include "apps/boot_gate.h"

#include <algorithm>
#include <thread>

namespace protifer::apps {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::string ProbeFailure(std::string_view probe, const triton::TritonError& error) {
  return std::string(probe) + " failed: " + error.what();
}

}  // namespace

BootGateResult WaitForTriton(triton::InferenceClient& client, std::span<const std::string> models,
                             const BootGateOptions& options, const obs::Logger& logger) {
  const auto now = [&] { return options.now ? options.now() : Clock::now(); };
  const auto pause = [&](milliseconds interval) {
    if (options.pause) {
      return options.pause(interval);
    }
    std::this_thread::sleep_for(interval);
    return false;
  };

  const Clock::time_point start = now();
  const Clock::time_point deadline = start + options.timeout;
  BootGateResult result;
  bool server_ready = false;
  std::vector<std::string> pending(models.begin(), models.end());
  std::string logged_problem;

  for (;;) {
    ++result.rounds;
    std::string problem;
    if (!server_ready) {
      const auto answer = client.ProbeServerReady();
      if (!answer.ok()) {
        problem = ProbeFailure("ServerReady", answer.error());
      } else if (!answer.value()) {
        problem = "ServerReady is false";
      } else {
        server_ready = true;
        logger.Info("ServerReady ok");
      }
    }
    if (server_ready) {
      std::vector<std::string> still_pending;
      for (const std::string& model : pending) {
        const auto answer = client.ProbeModelReady(model);
        if (answer.ok() && answer.value()) {
          logger.Info("ModelReady ok", {{"model", model}});
          continue;
        }
        if (problem.empty()) {
          problem = answer.ok() ? "model " + model + " is not ready"
                                : ProbeFailure("ModelReady(" + model + ")", answer.error());
        }
        still_pending.push_back(model);
      }
      pending = std::move(still_pending);
    }
    result.waited = duration_cast<milliseconds>(now() - start);
    if (problem.empty()) {
      logger.Info("Boot gate passed", {{"models", models}, {"waitedMs", result.waited.count()}});
      return result;
    }
    result.last_problem = problem;
    result.not_ready = pending;
    if (problem != logged_problem) {
      logger.Warn("Triton not ready — waiting", {{"problem", problem},
                                                 {"waitedMs", result.waited.count()},
                                                 {"timeoutMs", options.timeout.count()}});
      logged_problem = problem;
    }
    const Clock::time_point at = now();
    if (at >= deadline) {
      result.outcome = BootGateResult::Outcome::kTimedOut;
      logger.Error("Boot gate timed out — exiting", {{"timeoutMs", options.timeout.count()},
                                                     {"notReady", result.not_ready},
                                                     {"lastProblem", result.last_problem}});
      return result;
    }
    const auto remaining = duration_cast<milliseconds>(deadline - at) + milliseconds(1);
    if (pause(std::min(options.retry_interval, remaining))) {
      result.outcome = BootGateResult::Outcome::kInterrupted;
      return result;
    }
  }
}

}  // namespace protifer::apps
