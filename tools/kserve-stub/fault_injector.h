// Scripted faults, per model or for every model ("*"): fail the next N calls with a given status,
// delay responses, take models (or the whole server) out of readiness, exit abruptly. Set by
// --fault flags and by control commands at run time (see stub_control.h). Thread-safe.
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace protifer::kserve_stub {

// What ModelInfer answers for a model that is not ready, when the request names no version.
// (A request for version "1" always gets the UNAVAILABLE form, as on Triton.)
enum class NotReadyStyle {
  kUnavailable,  // UNAVAILABLE "Request for unknown model: 'm' version 1 is not at ready state"
  kUnloaded,     // NOT_FOUND "Request for unknown model: 'm' has no available versions" (Triton's
                 // exact answer for a version-less request when no version is ready)
};

inline constexpr std::string_view kAllModels = "*";

// A successful answer damaged on its way out, to test what clients do with malformed responses
// (a broken server, a proxy, a model whose output shape changed).
enum class Corruption {
  kTruncate,  // every raw output buffer loses its last byte: FP32 no longer a multiple of 4,
              // a BYTES element's payload shorter than its length prefix
  kDoubled,   // every raw output buffer is repeated twice: twice the elements the shape says
};

// Triton's answer for a model that is not ready; `version_given`: the request named version 1.
grpc::Status NotReadyStatus(const std::string& model, NotReadyStyle style, bool version_given);

class FaultInjector {
 public:
  // The next `count` ModelInfer calls for `model` ("*": any model) fail with `status`.
  void FailNext(const std::string& model, int count, grpc::Status status);
  // Responses for `model` are delayed by `latency` (0 clears). Real time, not time-scaled.
  void SetLatency(const std::string& model, std::chrono::milliseconds latency);
  void SetModelNotReady(const std::string& model, NotReadyStyle style);
  void SetModelReady(const std::string& model);
  // Server lifecycle state: when not ready, ModelInfer answers UNAVAILABLE "Server not ready".
  void SetServerReady(bool ready);
  // The next `count` successful answers for `model` ("*": any model) are corrupted.
  void CorruptNext(const std::string& model, int count, Corruption corruption);
  // The `count`-th ModelInfer call from now terminates the process with _exit(exit_code).
  void ExitAfter(int count, int exit_code);
  void Clear();

  // Per call. A scripted failure is consumed (model-specific entries first).
  std::optional<grpc::Status> TakeFailure(std::string_view model);
  // Per successful answer; consumed like TakeFailure.
  std::optional<Corruption> TakeCorruption(std::string_view model);
  std::chrono::milliseconds Latency(std::string_view model) const;
  std::optional<NotReadyStyle> NotReady(std::string_view model) const;
  bool ServerReady() const;
  // Counts a ModelInfer call; returns the exit code when this call must end the process.
  std::optional<int> CountCall();

  nlohmann::json Describe() const;

 private:
  struct Failure {
    int remaining = 0;
    grpc::Status status;
  };

  mutable std::mutex mutex_;
  struct PendingCorruption {
    int remaining = 0;
    Corruption corruption = Corruption::kTruncate;
  };

  std::map<std::string, Failure, std::less<>> failures_;
  std::map<std::string, PendingCorruption, std::less<>> corruptions_;
  std::map<std::string, std::chrono::milliseconds, std::less<>> latency_;
  std::map<std::string, NotReadyStyle, std::less<>> not_ready_;
  bool server_ready_ = true;
  std::optional<int> calls_until_exit_;
  int exit_code_ = 1;
};

}  // namespace protifer::kserve_stub
