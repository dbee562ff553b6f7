// protifer::obs::WorkerMetrics: the Prometheus metrics of both workers.
//
// protifer's three histograms, with its exact names, help texts, labels and buckets (spec §6.4),
// so existing dashboards and alerts keep working:
//   triton_model_infer_duration_seconds{model,status}  one per model call, time-to-failure included
//   prediction_job_duration_seconds{status}            fan-out wall clock (prediction worker)
//   embedding_job_duration_seconds{status}             whole job incl. cache hit (embedding worker)
// The project's additions, under new names (DESIGN §4.5: never change the old ones):
//   triton_rpc_attempt_duration_seconds{model,code}    pure RPC time of each attempt
//   triton_rpc_attempts_total{model}                   attempts sent (first tries and retries)
//   triton_rpc_retries_total{model,code}               attempts retried, by the failed attempt's
//   code triton_infer_permit_wait_seconds{model}            time waiting for a semaphore permit
//   triton_infer_permits_in_use, triton_infer_permit_waiters, triton_infer_permit_capacity
//                                                      the process-wide FIFO semaphore (gauges;
//                                                      capacity is the adaptive limit when on)
//   triton_rpc_retries_throttled_total{model}          transient failures not retried because
//                                                      the retry budget was spent
//   prediction_model_results_reused_total{model}       model results taken from an earlier
//                                                      attempt of the job instead of a call
// Like protifer's private prom-client registry, no process or runtime metrics are registered.
// Both workers register all metrics; a metric with no observation yet is not rendered.
//
// Semaphore gauges: the caller either pushes values (SetSemaphoreState) or installs a sampler
// that is called at every scrape (SampleSemaphoreWith / WatchSemaphore). Sampling is the
// recommended wiring: it costs nothing per call and is exact at the moment Prometheus looks,
// while pushing on every acquire/release would put a mutex on the hot path for a value nobody
// reads in between.
//
// Who observes what (spec §5.3, §7; DESIGN §3):
//   ObserveModelInfer  the dispatch layer, per adapter: timer started before request building,
//                      stopped after decode or at the failure; status "success" or the model-error
//                      code (prediction) / ClassifyTritonStatus (embedding, triton_status_label.h).
//   ObserveRpcAttempt  the Triton client's on_attempt hook (triton::AttemptRecord): model name,
//                      StatusCodeName(code) ("OK" on success), rpc_duration, will_retry.
//   ObservePermitWait  the dispatch layer, from Acquire to the grant.
//   Observe*Job        the processors.
//
// Thread-safe: every member may be called from any thread (prometheus-cpp metrics are atomic).
// Label values are used as given; callers keep them to the bounded sets above.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace protifer::concurrency {
class FifoSemaphore;
}  // namespace protifer::concurrency

namespace protifer::obs {

// Metric names, for code that queries a scrape (tests, benchmarks, dashboards).
inline constexpr std::string_view kModelInferDurationMetric = "triton_model_infer_duration_seconds";
inline constexpr std::string_view kPredictionJobDurationMetric = "prediction_job_duration_seconds";
inline constexpr std::string_view kEmbeddingJobDurationMetric = "embedding_job_duration_seconds";
inline constexpr std::string_view kRpcAttemptDurationMetric = "triton_rpc_attempt_duration_seconds";
inline constexpr std::string_view kRpcAttemptsMetric = "triton_rpc_attempts_total";
inline constexpr std::string_view kRpcRetriesMetric = "triton_rpc_retries_total";
inline constexpr std::string_view kRpcRetriesThrottledMetric = "triton_rpc_retries_throttled_total";
inline constexpr std::string_view kModelResultsReusedMetric =
    "prediction_model_results_reused_total";
inline constexpr std::string_view kPermitWaitMetric = "triton_infer_permit_wait_seconds";
inline constexpr std::string_view kPermitsInUseMetric = "triton_infer_permits_in_use";
inline constexpr std::string_view kPermitWaitersMetric = "triton_infer_permit_waiters";
inline constexpr std::string_view kPermitCapacityMetric = "triton_infer_permit_capacity";

// The `status` label of the job histograms.
enum class JobStatus { kSuccess, kFailure };
std::string_view JobStatusLabel(JobStatus status);  // "success" | "failure"

// Any std::chrono duration converts implicitly: ObserveModelInfer(m, s, steady_clock::now() - t0).
using Seconds = std::chrono::duration<double>;

struct SemaphoreState {
  std::int64_t in_use = 0;
  std::int64_t waiters = 0;
  std::int64_t capacity = 0;
};

class WorkerMetrics {
 public:
  WorkerMetrics();
  // Uninstalls the sampler, waiting for a scrape that is running it, so a sampler may safely
  // refer to objects that die right after the metrics.
  ~WorkerMetrics();
  WorkerMetrics(const WorkerMetrics&) = delete;
  WorkerMetrics& operator=(const WorkerMetrics&) = delete;

  // protifer's histograms. Negative durations count as 0.
  void ObserveModelInfer(std::string_view model, std::string_view status, Seconds elapsed);
  void ObservePredictionJob(JobStatus status, Seconds elapsed);
  void ObserveEmbeddingJob(JobStatus status, Seconds elapsed);

  // One ModelInfer attempt: adds to the attempt histogram and the attempts counter, to the
  // retries counter when another attempt follows, and to the throttled counter when the retry
  // budget refused one.
  void ObserveRpcAttempt(std::string_view model, std::string_view code, Seconds rpc_duration,
                         bool will_retry, bool retry_throttled = false);
  void CountReusedResult(std::string_view model);
  void ObservePermitWait(std::string_view model, Seconds waited);

  // Pushes the semaphore gauges. A sampler, if installed, overwrites them at the next scrape.
  void SetSemaphoreState(const SemaphoreState& state);
  // Installs (or, with an empty function, removes) the scrape-time sampler. It runs on the
  // scraping thread (the metrics server's) and must be quick and thread-safe. If it throws, the
  // gauges keep their previous values.
  void SampleSemaphoreWith(std::function<SemaphoreState()> sampler);
  // A sampler reading the semaphore's in_use(), waiters() and capacity(). The semaphore must
  // outlive this object or be unwatched first (SampleSemaphoreWith({})).
  void WatchSemaphore(const concurrency::FifoSemaphore& semaphore);

  // What a scrape sees: runs the sampler, then collects the registry. The metrics server
  // registers this collectable (as a weak_ptr); it shares the registry, so it stays valid even
  // after WorkerMetrics dies.
  std::shared_ptr<prometheus::Collectable> collectable() const;
  std::vector<prometheus::MetricFamily> Collect() const;
  // Collect() in the Prometheus text format 0.0.4.
  std::string RenderText() const;

  // For metrics of other layers that want to be scraped with these (e.g. queue counters).
  prometheus::Registry& registry() { return *registry_; }

 private:
  class ScrapeView;

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Histogram>* model_infer_;
  prometheus::Family<prometheus::Histogram>* prediction_job_;
  prometheus::Family<prometheus::Histogram>* embedding_job_;
  prometheus::Family<prometheus::Histogram>* rpc_attempt_;
  prometheus::Family<prometheus::Counter>* rpc_attempts_;
  prometheus::Family<prometheus::Counter>* rpc_retries_;
  prometheus::Family<prometheus::Counter>* rpc_retries_throttled_;
  prometheus::Family<prometheus::Counter>* results_reused_;
  prometheus::Family<prometheus::Histogram>* permit_wait_;
  prometheus::Gauge* permits_in_use_;
  prometheus::Gauge* permit_waiters_;
  prometheus::Gauge* permit_capacity_;
  std::shared_ptr<ScrapeView> scrape_view_;
};

}  // namespace protifer::obs
