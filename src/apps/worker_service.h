// What both worker binaries do around their processor (contract sections 5.1, 6.1, 6.2, 7 and
// DESIGN.md sections 3 and 4.4):
//
//   JSON logger -> Prometheus metrics (+ GET /metrics server when METRICS_ENABLED) -> Triton
//   client -> object store -> boot gate -> BullMQ worker on the queue -> "<name> consuming" ->
//   wait for SIGTERM/SIGINT -> stop fetching, drain until DRAIN_TIMEOUT_MS -> "<name> stopped".
//
// Per job: a child logger bound to jobId, request_id, trace_id, span_id (and user_id), the
// processor, then "<name> job completed" / "<name> job failed" once Redis has the outcome.
// prediction::UnrecoverableJobError becomes bullmq's UnrecoverableError (no further attempts).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "apps/shutdown_signal.h"
#include "config/worker_settings.h"
#include "obs/json_logger.h"
#include "obs/metrics_server.h"
#include "obs/worker_metrics.h"
#include "prediction/job_context.h"
#include "queue/job.h"
#include "queue/worker_options.h"
#include "storage/object_store.h"
#include "triton/client.h"

namespace protifer::apps {

// What tells the two workers apart.
struct WorkerDefinition {
  std::string name;                      // "prediction-worker": log `name`, log messages
  std::string queue_name;                // "prediction"
  std::vector<std::string> boot_models;  // ModelReady probes, in this order
  // Optional: also told about every ModelInfer attempt, after the metrics (the adaptive limit).
  // Runs on gRPC threads: quick, non-blocking, must not throw.
  std::function<void(const triton::AttemptRecord&)> on_attempt;
};

// The setting groups the service uses; both worker configs have them.
struct WorkerServiceSettings {
  config::TritonSettings triton;
  config::RedisSettings redis;
  config::StorageSettings storage;
  config::MetricsSettings metrics;
  config::QueueWorkerSettings worker;
  config::LifecycleSettings lifecycle;
  config::LoggingSettings log;
};

template <typename WorkerConfig>
WorkerServiceSettings ServiceSettingsOf(const WorkerConfig& config) {
  return {config.triton, config.redis,     config.storage, config.metrics,
          config.worker, config.lifecycle, config.log};
}

obs::LogLevel ToObsLevel(config::LogLevel level);

class WorkerService {
 public:
  // Runs one job on a job thread; returns the job's returnvalue or throws (what() is the
  // failedReason). `logger` carries the job's correlation fields.
  using JobHandler =
      std::function<nlohmann::ordered_json(prediction::JobContext& job, const obs::Logger& logger)>;

  // Builds the logger, metrics (and starts the metrics server), the Triton client and the
  // object store. Throws std::exception with a readable message when one cannot be built
  // (metrics port in use, unreadable TLS file, bad store settings).
  WorkerService(WorkerDefinition definition, const WorkerServiceSettings& settings,
                ShutdownSignal& shutdown);
  ~WorkerService();
  WorkerService(const WorkerService&) = delete;
  WorkerService& operator=(const WorkerService&) = delete;

  const obs::Logger& logger() const { return logger_; }
  obs::WorkerMetrics& metrics() { return metrics_; }
  triton::Client& client() { return *client_; }
  storage::ObjectStore& store() { return *store_; }

  // Boot gate, consume until a shutdown signal, drain. Returns the process exit code.
  int Run(const JobHandler& handler);

 private:
  nlohmann::ordered_json RunJob(queue::Job& job, const JobHandler& handler);
  void ReportOutcome(const queue::JobOutcome& outcome);

  const WorkerDefinition definition_;
  const WorkerServiceSettings settings_;
  ShutdownSignal& shutdown_;
  obs::Logger logger_;
  obs::WorkerMetrics metrics_;
  std::unique_ptr<obs::MetricsServer> metrics_server_;
  std::unique_ptr<triton::Client> client_;
  std::unique_ptr<storage::ObjectStore> store_;

  // request_id of each job in flight, for the completed/failed lines logged after Redis has
  // accepted the outcome (the outcome hook only knows the job id).
  std::mutex request_ids_mutex_;
  std::unordered_map<std::string, std::string> request_ids_;
};

// Writes a fatal JSON line for an exception that prevented start-up and returns kExitFailure.
int ReportStartupFailure(const std::string& name, config::LogLevel level,
                         const std::exception& error);

}  // namespace protifer::apps
