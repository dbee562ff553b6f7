// The boot gate (DESIGN.md section 4 item 4): before consuming jobs, wait until Triton says the
// server and every model this worker calls are ready, for at most BOOT_TIMEOUT_MS.
//
// protifer probes ModelReady once per model and exits on the first "no", leaving recovery to the
// container's restart policy; a worker that starts together with Triton then crash-loops until
// the models are loaded. Here the worker polls every BOOT_RETRY_INTERVAL_MS with clear log
// lines and exits 1 only when the deadline passes, naming the models that were not ready.
//
// ServerReady is asked first because it is what Triton's own health checks use. Note that
// Triton's default strict readiness makes ServerReady false while *any* model in its
// repository is not ready, including models this worker never calls (start Triton with
// --strict-readiness=false if that is a problem). A model proven ready is not asked again.
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "obs/json_logger.h"
#include "triton/inference_client.h"

namespace protifer::apps {

struct BootGateOptions {
  std::chrono::milliseconds timeout{120000};       // BOOT_TIMEOUT_MS
  std::chrono::milliseconds retry_interval{2000};  // BOOT_RETRY_INTERVAL_MS
  // Pauses between rounds; returns true when the process was asked to stop meanwhile
  // (ShutdownSignal::WaitFor). Empty: plain sleep, never interrupted.
  std::function<bool(std::chrono::milliseconds)> pause;
  // Empty: std::chrono::steady_clock. Tests drive a fake clock through `pause`.
  std::function<std::chrono::steady_clock::time_point()> now;
};

struct BootGateResult {
  enum class Outcome { kReady, kTimedOut, kInterrupted };
  Outcome outcome = Outcome::kReady;
  // Models not proven ready when the gate gave up (all of them while ServerReady was false).
  std::vector<std::string> not_ready;
  // The last reason for waiting, e.g. "ServerReady is false" or "ModelReady(seth) failed:
  // UNAVAILABLE: failed to connect to all addresses; …". Empty when ready.
  std::string last_problem;
  int rounds = 0;
  std::chrono::milliseconds waited{0};
};

// Logs (protifer's texts where it has them): "ServerReady ok", "ModelReady ok" {model} once per
// model, "Triton not ready — waiting" {problem, waitedMs, timeoutMs} whenever the problem
// changes, "Boot gate passed" {models, waitedMs}, and on timeout "Boot gate timed out — exiting"
// {timeoutMs, notReady, lastProblem}.
BootGateResult WaitForTriton(triton::InferenceClient& client, std::span<const std::string> models,
                             const BootGateOptions& options, const obs::Logger& logger);

}  // namespace protifer::apps
