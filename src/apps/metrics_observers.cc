#include "apps/metrics_observers.h"

#include "triton/triton_error.h"

namespace protifer::apps {

namespace {

obs::JobStatus JobStatusOf(std::string_view status) {
  return status == "success" ? obs::JobStatus::kSuccess : obs::JobStatus::kFailure;
}

}  // namespace

void MetricsDispatchObserver::OnModelCall(std::string_view model_name, std::string_view status,
                                          double seconds) {
  metrics_.ObserveModelInfer(model_name, status, obs::Seconds(seconds));
}

void MetricsDispatchObserver::OnPermitWait(std::string_view model_name, double seconds) {
  metrics_.ObservePermitWait(model_name, obs::Seconds(seconds));
}

void MetricsDispatchObserver::OnResultReused(std::string_view model_name) {
  metrics_.CountReusedResult(model_name);
}

void MetricsDispatchObserver::OnFanOut(std::string_view status, double seconds) {
  metrics_.ObservePredictionJob(JobStatusOf(status), obs::Seconds(seconds));
}

void MetricsEmbeddingObserver::OnModelCall(std::string_view model_name, std::string_view status,
                                           double seconds) {
  metrics_.ObserveModelInfer(model_name, status, obs::Seconds(seconds));
}

void MetricsEmbeddingObserver::OnEmbeddingJob(std::string_view status, double seconds) {
  metrics_.ObserveEmbeddingJob(JobStatusOf(status), obs::Seconds(seconds));
}

std::function<void(const triton::AttemptRecord&)> RecordAttempts(obs::WorkerMetrics& metrics,
                                                                 const obs::Logger& logger) {
  return [&metrics, &logger](const triton::AttemptRecord& attempt) {
    const std::string_view code = triton::StatusCodeName(attempt.code);
    metrics.ObserveRpcAttempt(attempt.model_name, code, attempt.rpc_duration, attempt.will_retry,
                              attempt.retry_throttled);
    if (attempt.will_retry) {
      logger.Warn("Triton call failed — retrying", {{"model", attempt.model_name},
                                                    {"attempt", attempt.attempt},
                                                    {"code", code},
                                                    {"backoffMs", attempt.backoff.count()}});
    } else if (attempt.retry_throttled) {
      logger.Warn("Triton call failed — not retried: retry budget spent",
                  {{"model", attempt.model_name}, {"attempt", attempt.attempt}, {"code", code}});
    }
  };
}

}  // namespace protifer::apps
