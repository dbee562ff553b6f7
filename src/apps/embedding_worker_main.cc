// embedding-worker: consumes the `embedding` queue. Each job embeds one sequence with
// prot_t5_pipeline on Triton and stores the FP16 [L, 1024] embedding (reused when already
// stored). With STORAGE_DRIVER=filesystem and STORAGE_MAX_BYTES > 0 it also evicts the coldest
// objects of the store every STORAGE_SWEEP_INTERVAL_MS, as protifer's embedding worker does.
#include <memory>

#include "apps/command_line.h"
#include "apps/metrics_observers.h"
#include "apps/shutdown_signal.h"
#include "apps/worker_main.h"
#include "apps/worker_service.h"
#include "config/describe.h"
#include "config/embedding_worker_config.h"
#include "embedding/embedding_processor.h"
#include "embedding/embedding_request.h"
#include "storage/eviction_sweeper.h"

namespace {

using namespace protifer;

constexpr std::string_view kName = "embedding-worker";

std::unique_ptr<storage::EvictionSweeper> StartEviction(const config::EmbeddingWorkerConfig& config,
                                                        const obs::Logger& logger) {
  if (config.storage.driver != config::StorageDriver::kFilesystem ||
      config.eviction.max_bytes <= 0) {
    return nullptr;
  }
  logger.Info("Store eviction enabled",
              {{"maxBytes", config.eviction.max_bytes},
               {"sweepIntervalMs", config.eviction.sweep_interval.count()}});
  return std::make_unique<storage::EvictionSweeper>(
      config.storage.path, config.eviction.max_bytes, config.eviction.sweep_interval,
      [&logger](const storage::EvictionReport& report) {
        if (report.evicted_files > 0) {
          logger.Info("Store eviction sweep", {{"scannedFiles", report.scanned_files},
                                               {"scannedBytes", report.scanned_bytes},
                                               {"evictedFiles", report.evicted_files},
                                               {"evictedBytes", report.evicted_bytes},
                                               {"remainingBytes", report.remaining_bytes}});
        }
      },
      [&logger](const std::exception& error) {
        logger.Error("Store eviction sweep failed", {{"err", obs::ErrorField(error)}});
      });
}

int Run(const config::EmbeddingWorkerConfig& config, apps::ShutdownSignal& shutdown) {
  apps::WorkerService service(
      apps::WorkerDefinition{
          std::string(kName), "embedding", {std::string(embedding::kEmbeddingModelName)}, {}},
      apps::ServiceSettingsOf(config), shutdown);
  const auto eviction = StartEviction(config, service.logger());
  apps::MetricsEmbeddingObserver observer(service.metrics());
  const embedding::EmbeddingProcessor processor(service.store(), service.client(), observer);
  return service.Run([&](prediction::JobContext& job, const obs::Logger& logger) {
    logger.Info("Processing embedding job");
    return processor.Process(job).ToJson();
  });
}

}  // namespace

int main(int argc, char** argv) {
  const apps::ProgramInfo info{
      kName,
      "Consumes the BullMQ queue `embedding` (protifer's embedding worker): embeds each job's\n"
      "sequence with prot_t5_pipeline on Triton and stores the FP16 embedding for the\n"
      "prediction worker.",
      [] { return config::FormatDescribeTable(config::EmbeddingWorkerSchema().Describe()); }};
  return apps::WorkerMain<config::EmbeddingWorkerConfig>(argc, argv, info,
                                                         &config::LoadEmbeddingWorkerConfig, Run);
}
