// The embedding worker's processor (protifer services/embedding-worker/src/processor.ts, spec §7):
// one sequence -> one prot_t5_pipeline call -> the FP16 embedding stored at
// emb/<name>/<version>/<sequenceHash>, reused when it is already there.
//
//   embeddingRef = EmbeddingRefKey(embeddingModel, sequenceHash)
//   stored already -> log "Cache hit: reusing stored embedding at <ref>", return (no Triton call,
//                     no progress)
//   otherwise      -> progress 10 -> ModelInfer (blocking this job thread; the client retries
//                     transient failures with its defaults) -> progress 70 -> extract and check
//                     the FP16 bytes -> store them (default content type) -> progress 100 ->
//                     log "Stored embedding at <ref> (<n> FP16 bytes)" -> return
//                     {embeddingRef, computedAt}.
//
// No semaphore: protifer's embedding worker makes one call per job and has no fan-out bound
// (its concurrency is WORKER_CONCURRENCY jobs); the prediction worker's semaphore is not shared
// across processes anyway.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "prediction/iso_timestamp.h"
#include "prediction/job_context.h"
#include "storage/object_store.h"
#include "triton/inference_client.h"

namespace protifer::embedding {

// EmbeddingJobResult, the job's return value (copied by BullMQ into the prediction parent).
struct EmbeddingJobResult {
  std::string embedding_ref;
  std::string computed_at;

  // {"embeddingRef": ..., "computedAt": ...}
  nlohmann::ordered_json ToJson() const;
};

// What the processor reports, for metrics. Called on the job thread; must not throw.
class EmbeddingObserver {
 public:
  virtual ~EmbeddingObserver() = default;
  // triton_model_infer_duration_seconds{model="prot_t5_pipeline", status}: the ModelInfer call
  // alone; status "success" or the classifyTritonStatus code (prediction::ClassifyTritonStatus).
  // Only a call that returned a response counts as success: a response whose bytes fail the
  // checks is reported by OnEmbeddingJob, not here.
  virtual void OnModelCall(std::string_view model_name, std::string_view status, double seconds);
  // embedding_job_duration_seconds{status}: the whole job, cache hits included; "success" or
  // "failure".
  virtual void OnEmbeddingJob(std::string_view status, double seconds);

 protected:
  EmbeddingObserver() = default;
  EmbeddingObserver(const EmbeddingObserver&) = default;
  EmbeddingObserver& operator=(const EmbeddingObserver&) = default;
};

EmbeddingObserver& NoopEmbeddingObserver();

struct EmbeddingProcessorOptions {
  prediction::WallClock clock = prediction::SystemWallClock();
};

class EmbeddingProcessor {
 public:
  // Everything is borrowed and must outlive the processor.
  EmbeddingProcessor(storage::ObjectStore& store, triton::InferenceClient& client,
                     EmbeddingObserver& observer = NoopEmbeddingObserver(),
                     EmbeddingProcessorOptions options = {});

  // Runs one job on the calling (job) thread. Safe to call from several job threads at once.
  // Throws on failure (what() is the failedReason): UnrecoverableJobError for bad job data and
  // for answers that break the storage contract, the triton::TritonError of a failed call
  // (what() "<CODE>: <details>"), storage errors as they are.
  EmbeddingJobResult Process(prediction::JobContext& job) const;

 private:
  EmbeddingJobResult ProcessUntimed(prediction::JobContext& job) const;

  storage::ObjectStore& store_;
  triton::InferenceClient& client_;
  EmbeddingObserver& observer_;
  EmbeddingProcessorOptions options_;
};

}  // namespace protifer::embedding
