// prediction-worker: consumes the `prediction` queue. Each job reads its embedding child's FP16
// embedding, fans out to the 8 prediction models on Triton through one process-wide FIFO
// semaphore of TRITON_MAX_INFLIGHT_INFERS permits, and stores the StoredPredictionV2 JSON.

#include "adapters/registry.h"
#include "apps/command_line.h"
#include "apps/metrics_observers.h"
#include "apps/shutdown_signal.h"
#include "apps/worker_main.h"
#include "apps/worker_service.h"
#include "concurrency/fifo_semaphore.h"
#include "config/describe.h"
#include "config/prediction_worker_config.h"
#include "prediction/prediction_processor.h"

namespace {

using namespace protifer;

constexpr std::string_view kName = "prediction-worker";

apps::WorkerDefinition Definition() {
  apps::WorkerDefinition definition{std::string(kName), "prediction", {}};
  for (const adapters::Adapter* adapter : adapters::DefaultAdapters()) {
    definition.boot_models.emplace_back(adapter->model_name());
  }
  return definition;
}

int Run(const config::PredictionWorkerConfig& config, apps::ShutdownSignal& shutdown) {
  // Declared before the service so that it outlives the metrics that sample it.
  concurrency::FifoSemaphore semaphore(config.triton.max_inflight_infers);
  apps::WorkerService service(Definition(), apps::ServiceSettingsOf(config), shutdown);
  service.metrics().WatchSemaphore(semaphore);
  apps::MetricsDispatchObserver observer(service.metrics());
  prediction::PredictionProcessorOptions options;
  options.max_embedding_bytes = static_cast<std::size_t>(config.prediction.max_embedding_bytes);
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
