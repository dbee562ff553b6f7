#include "config/embedding_worker_config.h"

#include "config/worker_fields.h"

namespace protifer::config {
namespace {

using Config = EmbeddingWorkerConfig;

Schema<Config> BuildEmbeddingWorkerSchema() {
  Schema<Config>::Builder b;
  const auto triton = [](auto& c) -> auto& { return c.triton; };
  AddTritonEndpointFields<Config>(b, triton);
  AddTritonRetryFields<Config>(b, triton);
  AddTritonChannelFields<Config>(b, triton);

  AddRedisFields<Config>(
      b, [](auto& c) -> auto& { return c.redis; });
  AddStorageFields<Config>(
      b, [](auto& c) -> auto& { return c.storage; }, "embeddings");
  b.Field(ConfigField("storage.maxBytes", "STORAGE_MAX_BYTES",
                      "Filesystem object-store disk budget in bytes; 0 = unbounded (no "
                      "eviction).")
              .NonNegativeInt()
              .Default(0),
          [](Config& c) -> std::int64_t& { return c.eviction.max_bytes; });
  b.Field(ConfigField("storage.sweepIntervalMs", "STORAGE_SWEEP_INTERVAL_MS",
                      "Interval between filesystem eviction sweeps, in ms.")
              .DurationMs()
              .Default(300000),
          [](Config& c) -> std::chrono::milliseconds& { return c.eviction.sweep_interval; });

  AddMetricsFields<Config>(
      b, [](auto& c) -> auto& { return c.metrics; });

  AddQueueWorkerFields<Config>(
      b, [](auto& c) -> auto& { return c.worker; });
  AddLifecycleFields<Config>(
      b, [](auto& c) -> auto& { return c.lifecycle; });
  AddLoggingFields<Config>(
      b, [](auto& c) -> auto& { return c.log; });
  return b.Build();
}

}  // namespace

const Schema<EmbeddingWorkerConfig>& EmbeddingWorkerSchema() {
  static const Schema<EmbeddingWorkerConfig> schema = BuildEmbeddingWorkerSchema();
  return schema;
}

EmbeddingWorkerConfig LoadEmbeddingWorkerConfig(const Environment& env) {
  return EmbeddingWorkerSchema().Load(env);
}

}  // namespace protifer::config
