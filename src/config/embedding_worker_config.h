// Configuration of the embedding worker (contract section 7 plus this project's tunables;
// worker_fields.h lists the deviations from protifer).
#pragma once

#include <chrono>
#include <cstdint>

#include "config/environment.h"
#include "config/schema.h"
#include "config/worker_settings.h"

namespace protifer::config {

// Filesystem-store eviction, run by the embedding worker only (contract section 2.7).
struct EvictionSettings {
  std::int64_t max_bytes = 0;                        // STORAGE_MAX_BYTES; 0: no eviction
  std::chrono::milliseconds sweep_interval{300000};  // STORAGE_SWEEP_INTERVAL_MS

  bool operator==(const EvictionSettings&) const = default;
};

struct EmbeddingWorkerConfig {
  // Read from the environment: url, deadline, retry and the channel settings. There is no
  // fan-out to bound (one call per job), so the semaphore and budget settings keep their
  // defaults.
  TritonSettings triton;
  RedisSettings redis;
  StorageSettings storage;
  EvictionSettings eviction;
  MetricsSettings metrics;
  QueueWorkerSettings worker;
  LifecycleSettings lifecycle;
  LoggingSettings log;

  bool operator==(const EmbeddingWorkerConfig&) const = default;
};

// Built once, on first use. Field order: protifer's (triton, redis, storage with eviction,
// metrics), each group followed by this project's additions, then the new groups.
const Schema<EmbeddingWorkerConfig>& EmbeddingWorkerSchema();

// Throws ConfigValidationError listing every problem.
EmbeddingWorkerConfig LoadEmbeddingWorkerConfig(const Environment& env);

}  // namespace protifer::config
