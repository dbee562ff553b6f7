// Configuration of the prediction worker (contract section 5.5 plus this project's tunables;
// worker_fields.h lists the deviations from protifer).
#pragma once

#include <cstdint>

#include "config/environment.h"
#include "config/schema.h"
#include "config/worker_settings.h"

namespace protifer::config {

// 16384 residues x 1024 dims x 2 bytes (FP16) = 32 MiB. Why this cap:
//   - it is the longest sequence the gateway admits (class default 4096, per-account overrides
//     up to 16384, contract sections 1.2 and 12 item 11);
//   - the FP32 request built from it is twice as large, 64 MiB: exactly the default
//     TRITON_MAX_MESSAGE_BYTES, so a larger embedding could never be sent anyway (it would
//     come back as 8 RESOURCE_EXHAUSTED model errors after the whole fan-out);
//   - all 8 requests of a job are built before the first call, ~8 x 2 x the embedding: at
//     this cap ~0.6 GB per job, ~2.4 GB for 4 concurrent jobs; a cap sized for titin
//     (~35000 residues) would allow 5 GB.
// Raise it together with TRITON_MAX_MESSAGE_BYTES.
inline constexpr std::int64_t kDefaultMaxEmbeddingBytes = std::int64_t{16384} * 1024 * 2;

struct PredictionSettings {
  // MAX_EMBEDDING_BYTES: a stored embedding larger than this fails the job before it is read
  // into memory (DESIGN.md section 4 item 8).
  std::int64_t max_embedding_bytes = kDefaultMaxEmbeddingBytes;
  // PREDICTION_RESULT_REUSE_TTL_MS: how long the models' results of a job are kept in Redis for
  // its next attempt (0 = not kept).
  std::int64_t result_reuse_ttl_ms = 3600000;

  bool operator==(const PredictionSettings&) const = default;
};

struct PredictionWorkerConfig {
  MetricsSettings metrics;
  TritonSettings triton;
  RedisSettings redis;
  StorageSettings storage;
  QueueWorkerSettings worker;
  PredictionSettings prediction;
  LifecycleSettings lifecycle;
  LoggingSettings log;

  bool operator==(const PredictionWorkerConfig&) const = default;
};

// Built once, on first use. Field order: protifer's (metrics, triton, redis, storage), each
// group followed by this project's additions, then the new groups.
const Schema<PredictionWorkerConfig>& PredictionWorkerSchema();

// Throws ConfigValidationError listing every problem.
PredictionWorkerConfig LoadPredictionWorkerConfig(const Environment& env);

}  // namespace protifer::config
