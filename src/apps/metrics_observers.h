// The processors' observer interfaces implemented with the workers' Prometheus metrics, and the
// Triton client's per-attempt hook (metrics plus a warning line for every retried attempt).
#pragma once

#include <functional>
#include <string_view>

#include "embedding/embedding_processor.h"
#include "obs/json_logger.h"
#include "obs/worker_metrics.h"
#include "prediction/dispatch_observer.h"
#include "triton/client_options.h"

namespace protifer::apps {

class MetricsDispatchObserver final : public prediction::DispatchObserver {
 public:
  explicit MetricsDispatchObserver(obs::WorkerMetrics& metrics) : metrics_(metrics) {}
  void OnModelCall(std::string_view model_name, std::string_view status, double seconds) override;
  void OnPermitWait(std::string_view model_name, double seconds) override;
  // Nothing: the client's attempt hook records pure RPC time per attempt, which is finer.
  void OnInferCall(std::string_view, std::string_view, double) override {}
  void OnFanOut(std::string_view status, double seconds) override;
  void OnResultReused(std::string_view model_name) override;

 private:
  obs::WorkerMetrics& metrics_;
};

class MetricsEmbeddingObserver final : public embedding::EmbeddingObserver {
 public:
  explicit MetricsEmbeddingObserver(obs::WorkerMetrics& metrics) : metrics_(metrics) {}
  void OnModelCall(std::string_view model_name, std::string_view status, double seconds) override;
  void OnEmbeddingJob(std::string_view status, double seconds) override;

 private:
  obs::WorkerMetrics& metrics_;
};

// For ClientOptions::on_attempt. Runs on gRPC threads: records the attempt and, when another
// attempt follows, logs "Triton call failed — retrying" {model, attempt, code, backoffMs}.
// `metrics` and `logger` must outlive the client.
std::function<void(const triton::AttemptRecord&)> RecordAttempts(obs::WorkerMetrics& metrics,
                                                                 const obs::Logger& logger);

}  // namespace protifer::apps
