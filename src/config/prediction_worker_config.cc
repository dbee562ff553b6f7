#include "config/prediction_worker_config.h"

#include "config/worker_fields.h"

namespace protifer::config {
namespace {

using Config = PredictionWorkerConfig;

Schema<Config> BuildPredictionWorkerSchema() {
  Schema<Config>::Builder b;
  AddMetricsFields<Config>(
      b, [](auto& c) -> auto& { return c.metrics; });

  const auto triton = [](auto& c) -> auto& { return c.triton; };
  AddTritonEndpointFields<Config>(b, triton);
  AddTritonFanOutFields<Config>(b, triton);
  AddTritonChannelFields<Config>(b, triton);

  AddRedisFields<Config>(
      b, [](auto& c) -> auto& { return c.redis; });
  AddStorageFields<Config>(
      b, [](auto& c) -> auto& { return c.storage; }, "prediction results");

  AddQueueWorkerFields<Config>(
      b, [](auto& c) -> auto& { return c.worker; });
  b.Field(ConfigField("prediction.maxEmbeddingBytes", "MAX_EMBEDDING_BYTES",
                      "Largest stored embedding a job may use, in bytes (FP16 [L,1024]: 2048 "
                      "per residue; default 16384 residues). Larger ones fail the job.")
              .PositiveInt()
              .Default(kDefaultMaxEmbeddingBytes),
          [](Config& c) -> std::int64_t& { return c.prediction.max_embedding_bytes; });
  b.Field(ConfigField("prediction.resultReuseTtlMs", "PREDICTION_RESULT_REUSE_TTL_MS",
                      "How long each model's result of a job is kept in Redis so that a later "
                      "attempt of the job (a retry, or a stalled job taken over) does not call "
                      "that model again, in ms. 0 = keep nothing.")
              .NonNegativeInt()
              .Max(kMaxDurationMs)
              .Default(std::int64_t{3600000}),
          [](Config& c) -> std::int64_t& { return c.prediction.result_reuse_ttl_ms; });

  AddLifecycleFields<Config>(
      b, [](auto& c) -> auto& { return c.lifecycle; });
  AddLoggingFields<Config>(
      b, [](auto& c) -> auto& { return c.log; });
  return b.Build();
}

}  // namespace

const Schema<PredictionWorkerConfig>& PredictionWorkerSchema() {
  static const Schema<PredictionWorkerConfig> schema = BuildPredictionWorkerSchema();
  return schema;
}

PredictionWorkerConfig LoadPredictionWorkerConfig(const Environment& env) {
  return PredictionWorkerSchema().Load(env);
}

}  // namespace protifer::config
