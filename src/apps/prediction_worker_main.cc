// prediction-worker: consumes the `prediction` queue. Each job reads its embedding child's FP16
// embedding, fans out to the 8 prediction models on Triton through one process-wide FIFO
// semaphore of TRITON_MAX_INFLIGHT_INFERS permits, and stores the StoredPredictionV2 JSON.

#include <chrono>
#include <memory>
#include <string>

#include "adapters/registry.h"
#include "apps/adaptive_concurrency.h"
#include "apps/command_line.h"
#include "apps/metrics_observers.h"
#include "apps/redis_model_result_store.h"
#include "apps/service_components.h"
#include "apps/shutdown_signal.h"
#include "apps/worker_main.h"
#include "apps/worker_service.h"
#include "concurrency/adaptive_limit.h"
#include "concurrency/fifo_semaphore.h"
#include "config/describe.h"
#include "config/prediction_worker_config.h"
#include "prediction/prediction_processor.h"
#include "queue/queue_keys.h"
#include "queue/redis_connection.h"
#include "queue/worker_options.h"

namespace {

using namespace protifer;

constexpr std::string_view kName = "prediction-worker";

apps::WorkerDefinition Definition() {
  apps::WorkerDefinition definition{std::string(kName), "prediction", {}, {}};
  for (const adapters::Adapter* adapter : adapters::DefaultAdapters()) {
    definition.boot_models.emplace_back(adapter->model_name());
  }
  return definition;
}

int Run(const config::PredictionWorkerConfig& config, apps::ShutdownSignal& shutdown) {
  // Declared before the service so that they outlive the client whose callbacks use them and the
  // metrics that sample them.
  concurrency::FifoSemaphore semaphore(config.triton.max_inflight_infers,
                                       config.triton.max_inflight_bytes);
  apps::WorkerDefinition definition = Definition();
  std::unique_ptr<concurrency::AdaptiveLimit> adaptive;
  if (config.triton.adaptive_concurrency) {
    adaptive = std::make_unique<concurrency::AdaptiveLimit>(
        semaphore, apps::AdaptiveLimitOptionsOf(config.triton));
    definition.on_attempt = apps::FeedAdaptiveLimit(*adaptive);
  }
  queue::RedisConnection results_redis(apps::MakeRedisEndpoint(config.redis),
                                       std::string(kName) + ":model-results");
  apps::WorkerService service(std::move(definition), apps::ServiceSettingsOf(config), shutdown);
  service.metrics().WatchSemaphore(semaphore);
  apps::MetricsDispatchObserver observer(service.metrics());

  std::unique_ptr<apps::RedisModelResultStore> kept_results;
  prediction::PredictionProcessorOptions options;
  options.max_embedding_bytes = static_cast<std::size_t>(config.prediction.max_embedding_bytes);
  if (config.prediction.result_reuse_ttl_ms > 0) {
    kept_results = std::make_unique<apps::RedisModelResultStore>(
        results_redis, queue::QueueKeys(queue::WorkerOptions().prefix, "prediction").key_prefix(),
        std::chrono::milliseconds(config.prediction.result_reuse_ttl_ms), service.logger());
    options.result_store = kept_results.get();
  }
  const prediction::PredictionProcessor processor(service.store(), service.client(), semaphore,
                                                  adapters::DefaultAdapters(), observer, options);
  return service.Run([&](prediction::JobContext& job, const obs::Logger& logger) {
    logger.Info("Processing prediction job");
    return processor.Process(job).ToJson();
  });
}

}  // namespace

int main(int argc, char** argv) {
  const apps::ProgramInfo info{
      kName,
      "Consumes the BullMQ queue `prediction` (protifer's prediction worker): runs the 8\n"
      "prediction models on Triton for each job's embedding, at most TRITON_MAX_INFLIGHT_INFERS\n"
      "calls in flight per process, and stores the StoredPredictionV2 JSON.",
      [] { return config::FormatDescribeTable(config::PredictionWorkerSchema().Describe()); }};
  return apps::WorkerMain<config::PredictionWorkerConfig>(argc, argv, info,
                                                          &config::LoadPredictionWorkerConfig, Run);
}
