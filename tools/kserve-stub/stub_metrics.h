// Prometheus metrics named like Triton's (nv_inference_*, labels model/version) plus what a
// benchmark needs that Triton does not export: per-instance busy time (utilisation = d(busy) /
// (dt * instances)) and current/peak in-flight ModelInfer calls, per model and for the server.
// Every series exists from start-up, as Triton creates them when a model loads.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "model_catalog.h"

namespace protifer::kserve_stub {

// Values of one model's series, read directly (tests, the control port's `status`).
struct ModelMetricsSnapshot {
  double success = 0;
  double failure = 0;  // all reasons
  double inference_count = 0;
  double exec_count = 0;
  double request_duration_us = 0;
  double queue_duration_us = 0;
  double compute_infer_duration_us = 0;
  double pending = 0;
  double inflight = 0;
  double inflight_peak = 0;
  std::vector<double> instance_busy_us;  // one per instance (empty for ensembles)
};

class StubMetrics {
 public:
  // Triton (24.x and later) labels failures with a reason.
  enum class FailureReason { kRejected, kBackend, kOther };

  StubMetrics(const ModelCatalog& catalog, double time_scale);
  StubMetrics(const StubMetrics&) = delete;
  StubMetrics& operator=(const StubMetrics&) = delete;

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // In-flight ModelInfer calls: `model` may be empty (unknown model: server gauge only).
  void CallStarted(std::string_view model);
  void CallFinished(std::string_view model);
  void ResetPeaks();

  void RequestSucceeded(std::string_view model, std::chrono::nanoseconds request_duration);
  void RequestFailed(std::string_view model, FailureReason reason);
  void RequestQueued(std::string_view model);
  void RequestDequeued(std::string_view model, std::chrono::nanoseconds queue_duration);
  // One execution (a batch of `requests` requests, `inferences` batch items) that kept
  // `instance` busy for `busy`. instance < 0 for ensembles (no instances of their own).
  void BatchExecuted(std::string_view model, int instance, std::int64_t requests,
                     std::int64_t inferences, std::chrono::nanoseconds busy);
  void FaultInjected(std::string_view model, std::string_view kind);

  ModelMetricsSnapshot Snapshot(std::string_view model) const;
  double ServerInflight() const;
  double ServerInflightPeak() const;

 private:
  struct ModelSeries {
    prometheus::Counter* success = nullptr;
    prometheus::Counter* failure_rejected = nullptr;
    prometheus::Counter* failure_backend = nullptr;
    prometheus::Counter* failure_other = nullptr;
    prometheus::Counter* inference_count = nullptr;
    prometheus::Counter* exec_count = nullptr;
    prometheus::Counter* request_duration = nullptr;
    prometheus::Counter* queue_duration = nullptr;
    prometheus::Counter* compute_input_duration = nullptr;
    prometheus::Counter* compute_infer_duration = nullptr;
    prometheus::Counter* compute_output_duration = nullptr;
    prometheus::Gauge* pending = nullptr;
    prometheus::Gauge* inflight = nullptr;
    prometheus::Gauge* inflight_peak = nullptr;
    std::vector<prometheus::Counter*> instance_busy;
    std::int64_t inflight_now = 0;  // guarded by inflight_mutex_
    std::int64_t inflight_max = 0;
  };

  ModelSeries* Find(std::string_view model);
  const ModelSeries* Find(std::string_view model) const;

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* faults_ = nullptr;
  prometheus::Gauge* server_inflight_ = nullptr;
  prometheus::Gauge* server_inflight_peak_ = nullptr;
  std::map<std::string, ModelSeries, std::less<>> models_;
  mutable std::mutex inflight_mutex_;
  std::int64_t server_inflight_now_ = 0;
  std::int64_t server_inflight_max_ = 0;
};

}  // namespace protifer::kserve_stub
