// processPredictionJob (spec §5.2): one prediction job from its data to the stored
// StoredPredictionV2 object.
//
//   parse job data -> progress 10 -> embeddingRef from the first child value -> read the FP16
//   embedding -> validate -> FP16 -> FP32 once -> progress 30 -> DispatchAll (8 adapters) ->
//   progress 80 -> nothing succeeded: throw "All prediction models failed — <summary>" (nothing
//   written) -> write the JSON at PredictionRefKey(...) as application/json -> progress 100 ->
//   log "Stored prediction at <key>" -> return {predictionRef, computedAt}.
//
// Failure messages are protifer's, verbatim (the gateway and alert rules parse them), plus the
// checks DESIGN §4 item 8 adds (empty or oversized embedding) and readable job-data errors.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/adapter.h"
#include "concurrency/fifo_semaphore.h"
#include "prediction/dispatch.h"
#include "prediction/dispatch_observer.h"
#include "prediction/iso_timestamp.h"
#include "prediction/job_context.h"
#include "prediction/model_result_store.h"
#include "storage/object_store.h"
#include "triton/inference_client.h"

namespace protifer::prediction {

// Bytes per embedding row: 1024 FP16 values.
inline constexpr std::size_t kEmbeddingRowBytes = adapters::kEmbeddingDim * 2;
// 16384 residues (protifer's MAX_SEQUENCE_LENGTH_CAP) of FP16 [L, 1024]: 32 MiB.
inline constexpr std::size_t kDefaultMaxEmbeddingBytes = std::size_t{16384} * kEmbeddingRowBytes;

// The thrown messages (prefixes where a summary or key follows).
inline constexpr std::string_view kMissingEmbeddingRefMessage =
    "Embedding child job result missing — cannot retrieve embeddingRef";
inline constexpr std::string_view kAllModelsFailedPrefix = "All prediction models failed — ";

// PredictionJobResult, the job's return value.
struct PredictionJobResult {
  std::string prediction_ref;
  std::string computed_at;

  // {"predictionRef": ..., "computedAt": ...}
  nlohmann::ordered_json ToJson() const;
};

struct PredictionProcessorOptions {
  // Embeddings larger than this fail the job before anything is converted or sent (DESIGN §4
  // item 8): a corrupt or foreign object must not turn into gigabytes of requests.
  std::size_t max_embedding_bytes = kDefaultMaxEmbeddingBytes;
  WallClock clock = SystemWallClock();
  // Keeps each model's result between the job's attempts (nullptr: every attempt calls every
  // model). Borrowed; must outlive the processor.
  ModelResultStore* result_store = nullptr;
};

// Checks the stored embedding's byte length and returns seqLen. Throws std::runtime_error:
//   0 bytes    -> "embedding buffer at <key> is empty (0 bytes): expected FP16 [seqLen, 1024]
//                  with seqLen >= 1"                                  (protifer accepts it)
//   too large  -> "embedding buffer length <n> at <key> exceeds the maximum of <max> bytes"
//   odd        -> "embedding buffer length <n> is not valid FP16 (must be even)"      (protifer)
//   n/2 % 1024 -> "embedding buffer length <n> does not match [seqLen, 1024] FP16 shape"
//                                                                                      (protifer)
std::size_t ValidateEmbeddingLength(std::size_t byte_length, std::string_view key,
                                    std::size_t max_bytes);

// The embeddingRef of the first child value. Throws std::runtime_error with
// kMissingEmbeddingRefMessage when there is no child value or its embeddingRef is missing or
// falsy (JavaScript truthiness), and UnrecoverableJobError when it is truthy but not a string.
std::string EmbeddingRefFromChildren(const std::vector<nlohmann::ordered_json>& children);

class PredictionProcessor {
 public:
  // Everything is borrowed and must outlive the processor. `semaphore` is the process-wide one;
  // `adapters` usually adapters::DefaultAdapters().
  PredictionProcessor(storage::ObjectStore& store, triton::InferenceClient& client,
                      concurrency::FifoSemaphore& semaphore,
                      std::span<const adapters::Adapter* const> adapters,
                      DispatchObserver& observer = NoopDispatchObserver(),
                      PredictionProcessorOptions options = {});

  // Runs one job on the calling (job) thread, blocking until it is done. Safe to call from
  // several job threads at once. Throws on failure; what() is the job's failedReason.
  PredictionJobResult Process(JobContext& job) const;

 private:
  storage::ObjectStore& store_;
  triton::InferenceClient& client_;
  concurrency::FifoSemaphore& semaphore_;
  std::span<const adapters::Adapter* const> adapters_;
  DispatchObserver& observer_;
  PredictionProcessorOptions options_;
};

}  // namespace protifer::prediction
