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
