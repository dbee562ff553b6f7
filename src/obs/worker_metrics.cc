#include "obs/worker_metrics.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <exception>
#include <sstream>
#include <utility>

#include "concurrency/fifo_semaphore.h"

namespace protifer::obs {
namespace {

using prometheus::Histogram;

// protifer's bucket sets (spec §6.4), in seconds.
const Histogram::BucketBoundaries& ModelInferBuckets() {
  static const Histogram::BucketBoundaries kBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5,
                                                       5,    10,  30,   60,  90};
  return kBuckets;
}
const Histogram::BucketBoundaries& JobBuckets() {
  static const Histogram::BucketBoundaries kBuckets = {0.1, 0.25, 0.5, 1,   2.5, 5,
                                                       10,  30,   60,  120, 300};
  return kBuckets;
}

// Ours. An attempt on a warm Triton takes milliseconds, so the low end is finer than protifer's
// 50 ms first bucket; the top matches the 90 s default deadline.
const Histogram::BucketBoundaries& RpcAttemptBuckets() {
  static const Histogram::BucketBoundaries kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                       1,     2.5,  5,     10,   30,  60,   90};
  return kBuckets;
}
// Ours. No wait at all is the normal case below the bound (first bucket 1 ms); under a storm a
// call can queue behind a whole backlog of jobs, hence the long tail up to 5 minutes.
const Histogram::BucketBoundaries& PermitWaitBuckets() {
  static const Histogram::BucketBoundaries kBuckets = {
      0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
  return kBuckets;
}

double NonNegativeSeconds(Seconds elapsed) { return std::max(0.0, elapsed.count()); }

std::string Text(std::string_view view) { return std::string(view); }

}  // namespace

std::string_view JobStatusLabel(JobStatus status) {
  return status == JobStatus::kSuccess ? "success" : "failure";
}

// The collectable a scrape goes through: refreshes the semaphore gauges from the sampler, then
// collects the registry. Shared with the metrics server, which holds only a weak_ptr.
class WorkerMetrics::ScrapeView final : public prometheus::Collectable {
 public:
  ScrapeView(std::shared_ptr<prometheus::Registry> registry, prometheus::Gauge* in_use,
             prometheus::Gauge* waiters, prometheus::Gauge* capacity)
      : registry_(std::move(registry)), in_use_(in_use), waiters_(waiters), capacity_(capacity) {}

  void SetSampler(std::function<SemaphoreState()> sampler) {
    std::lock_guard lock(sampler_mutex_);
    sampler_ = std::move(sampler);
  }

  void Publish(const SemaphoreState& state) const {
    in_use_->Set(static_cast<double>(state.in_use));
    waiters_->Set(static_cast<double>(state.waiters));
    capacity_->Set(static_cast<double>(state.capacity));
  }

  // Must not throw: an exception escaping a Collectable terminates the process from the metrics
  // server's thread (observed with prometheus-cpp 1.0.1). A failing sampler leaves the gauges at
  // their previous values; a failing collection (out of memory) yields an empty page.
  std::vector<prometheus::MetricFamily> Collect() const noexcept override {
    {
      // Held while sampling so that uninstalling the sampler waits for a running scrape.
      std::lock_guard lock(sampler_mutex_);
      if (sampler_) {
        try {
          Publish(sampler_());
        } catch (const std::exception&) {
          // Keep the last published values.
        }
      }
    }
    try {
      return registry_->Collect();
    } catch (const std::exception&) {
      return {};
    }
  }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Gauge* in_use_;
  prometheus::Gauge* waiters_;
  prometheus::Gauge* capacity_;
  mutable std::mutex sampler_mutex_;
  std::function<SemaphoreState()> sampler_;
};

WorkerMetrics::WorkerMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::Registry& registry = *registry_;
  model_infer_ = &prometheus::BuildHistogram()
                      .Name(Text(kModelInferDurationMetric))
                      .Help(
                          "Client-observed Triton modelInfer duration by model and status "
                          "(success or gRPC error class), including time-to-failure.")
                      .Register(registry);
  prediction_job_ =
      &prometheus::BuildHistogram()
           .Name(Text(kPredictionJobDurationMetric))
           .Help("Wall-clock of the prediction model fan-out per job, by status (success|failure).")
           .Register(registry);
  embedding_job_ = &prometheus::BuildHistogram()
                        .Name(Text(kEmbeddingJobDurationMetric))
                        .Help("Wall-clock per embedding job, by status (success|failure).")
                        .Register(registry);
  rpc_attempt_ = &prometheus::BuildHistogram()
                      .Name(Text(kRpcAttemptDurationMetric))
                      .Help(
                          "Pure gRPC time of each Triton ModelInfer attempt (no permit wait, no "
                          "backoff), by model and gRPC status code (OK on success).")
                      .Register(registry);
  rpc_attempts_ = &prometheus::BuildCounter()
                       .Name(Text(kRpcAttemptsMetric))
                       .Help("Triton ModelInfer attempts sent, first tries and retries, by model.")
                       .Register(registry);
  rpc_retries_ = &prometheus::BuildCounter()
                      .Name(Text(kRpcRetriesMetric))
                      .Help(
                          "Triton ModelInfer attempts that failed transiently and were retried, "
                          "by model and the gRPC status code of the failed attempt.")
                      .Register(registry);
  rpc_retries_throttled_ =
      &prometheus::BuildCounter()
           .Name(Text(kRpcRetriesThrottledMetric))
           .Help(
               "Triton ModelInfer attempts that failed transiently and were not retried "
               "because the retry budget was spent, by model.")
           .Register(registry);
  results_reused_ = &prometheus::BuildCounter()
                         .Name(Text(kModelResultsReusedMetric))
                         .Help(
                             "Model results taken from an earlier attempt of the same job "
                             "instead of calling the model again, by model.")
                         .Register(registry);
  permit_wait_ = &prometheus::BuildHistogram()
                      .Name(Text(kPermitWaitMetric))
                      .Help(
                          "Time a Triton ModelInfer call waited for a permit of the process-wide "
                          "FIFO semaphore, by model.")
                      .Register(registry);
  permits_in_use_ = &prometheus::BuildGauge()
                         .Name(Text(kPermitsInUseMetric))
                         .Help("Permits of the process-wide ModelInfer semaphore currently held.")
                         .Register(registry)
                         .Add({});
  permit_waiters_ =
      &prometheus::BuildGauge()
           .Name(Text(kPermitWaitersMetric))
           .Help("ModelInfer calls waiting for a permit of the process-wide semaphore.")
           .Register(registry)
           .Add({});
  permit_capacity_ = &prometheus::BuildGauge()
                          .Name(Text(kPermitCapacityMetric))
                          .Help(
                              "Capacity of the process-wide ModelInfer semaphore "
                              "(TRITON_MAX_INFLIGHT_INFERS, or the adaptive limit).")
                          .Register(registry)
                          .Add({});
  scrape_view_ =
      std::make_shared<ScrapeView>(registry_, permits_in_use_, permit_waiters_, permit_capacity_);
}

WorkerMetrics::~WorkerMetrics() { scrape_view_->SetSampler({}); }

void WorkerMetrics::ObserveModelInfer(std::string_view model, std::string_view status,
                                      Seconds elapsed) {
  model_infer_->Add({{"model", Text(model)}, {"status", Text(status)}}, ModelInferBuckets())
      .Observe(NonNegativeSeconds(elapsed));
}

void WorkerMetrics::ObservePredictionJob(JobStatus status, Seconds elapsed) {
  prediction_job_->Add({{"status", Text(JobStatusLabel(status))}}, JobBuckets())
      .Observe(NonNegativeSeconds(elapsed));
}

void WorkerMetrics::ObserveEmbeddingJob(JobStatus status, Seconds elapsed) {
  embedding_job_->Add({{"status", Text(JobStatusLabel(status))}}, JobBuckets())
      .Observe(NonNegativeSeconds(elapsed));
}

void WorkerMetrics::ObserveRpcAttempt(std::string_view model, std::string_view code,
                                      Seconds rpc_duration, bool will_retry, bool retry_throttled) {
  rpc_attempt_->Add({{"model", Text(model)}, {"code", Text(code)}}, RpcAttemptBuckets())
      .Observe(NonNegativeSeconds(rpc_duration));
  rpc_attempts_->Add({{"model", Text(model)}}).Increment();
  if (will_retry) rpc_retries_->Add({{"model", Text(model)}, {"code", Text(code)}}).Increment();
  if (retry_throttled) rpc_retries_throttled_->Add({{"model", Text(model)}}).Increment();
}

void WorkerMetrics::CountReusedResult(std::string_view model) {
  results_reused_->Add({{"model", Text(model)}}).Increment();
}

void WorkerMetrics::ObservePermitWait(std::string_view model, Seconds waited) {
  permit_wait_->Add({{"model", Text(model)}}, PermitWaitBuckets())
      .Observe(NonNegativeSeconds(waited));
}

void WorkerMetrics::SetSemaphoreState(const SemaphoreState& state) { scrape_view_->Publish(state); }

void WorkerMetrics::SampleSemaphoreWith(std::function<SemaphoreState()> sampler) {
  scrape_view_->SetSampler(std::move(sampler));
}

void WorkerMetrics::WatchSemaphore(const concurrency::FifoSemaphore& semaphore) {
  SampleSemaphoreWith([&semaphore] {
    return SemaphoreState{semaphore.in_use(), static_cast<std::int64_t>(semaphore.waiters()),
                          semaphore.capacity()};
  });
}

std::shared_ptr<prometheus::Collectable> WorkerMetrics::collectable() const { return scrape_view_; }

std::vector<prometheus::MetricFamily> WorkerMetrics::Collect() const {
  return scrape_view_->Collect();
}

std::string WorkerMetrics::RenderText() const {
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, Collect());
  return text.str();
}

}  // namespace protifer::obs
