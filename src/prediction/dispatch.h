// The per-job fan-out to every prediction adapter (protifer dispatch.ts dispatchAll), bounded by
// the process-wide FIFO semaphore.
//
// Per adapter, in registry order:
//   start the model timer -> BuildRequest (all requests are built before any permit is asked
//   for, as protifer does) -> Acquire a permit (asynchronously: no thread waits for it) ->
//   InferenceClient::ModelInferAsync (the client retries transient failures inside the call, so
//   the permit covers every attempt and backoff) -> release the permit when the call completes,
//   on every path, exactly once -> Decode, outside the permit.
// Settle-all: DispatchAll blocks the calling (job) thread until every call has completed; it
// never short-circuits. The gRPC threads that complete calls only record the result, release the
// permit (which may start the next waiter's call) and wake the job thread; the job thread decodes
// each response as soon as it arrives, so heavy decoding never occupies a gRPC thread and a
// success can be kept (DispatchOptions::on_result) before the slowest model answers.
// The permit is weighted by the request's serialized size, for the semaphore's optional byte
// bound (TRITON_MAX_INFLIGHT_BYTES).
//
// Partial failure: the result holds the outputs of the models that succeeded and an error entry
// for each model that failed; deciding that "nothing succeeded" fails the job is the caller's
// business (PredictionProcessor).
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "adapters/adapter.h"
#include "concurrency/fifo_semaphore.h"
#include "prediction/classification.h"
#include "prediction/dispatch_observer.h"
#include "prediction/iso_timestamp.h"
#include "triton/inference_client.h"

namespace protifer::prediction {

// One ModelErrorEntry plus what the worker knows about it beyond the stored fields.
struct ModelFailure {
  std::string model_name;  // Triton model (metric label, logs)
  std::string output_key;  // the ModelErrors key
  ModelErrorCode code = ModelErrorCode::kDecodeError;
  std::string message;    // <= 200 UTF-16 code units
  std::string failed_at;  // ISO-8601 ms UTC, stamped once when the results are aggregated
};

struct DispatchResult {
  // output key -> decoded value, successes only, in registry order.
  nlohmann::ordered_json outputs = nlohmann::ordered_json::object();
  // Failures in registry order.
  std::vector<ModelFailure> model_errors;

  bool AllFailed() const { return outputs.empty(); }
  // "<outputKey>(<code>): <message>" for each failure, joined with " | " (the text after
  // "All prediction models failed — ").
  std::string FailureSummary() const;
};

struct DispatchOptions {
  // Stamps failedAt.
  WallClock clock = SystemWallClock();
  // Decoded results of an earlier attempt of the job, by output key: those adapters are neither
  // built nor called, and their value is used as is.
  std::unordered_map<std::string, nlohmann::ordered_json> reused;
  // Called on the job thread with each newly decoded success (output key, value), as soon as it
  // is decoded (not after the slowest model), so that a crash loses as little as possible. Must
  // not throw.
  std::function<void(const std::string&, const nlohmann::ordered_json&)> on_result;
};

// Runs every adapter against `context` and waits for all of them. `context` must stay valid
// until this returns (requests are built from it up front). The semaphore is the one shared by
// all jobs of the process. Thread-safe: concurrent jobs call this concurrently with the same
// client, semaphore and observer. Must not be called on a thread that completes inference calls
// (it blocks until they complete). Throws only std::bad_alloc and whatever the observer throws;
// every model failure is reported in the result.
DispatchResult DispatchAll(const adapters::AdapterContext& context,
                           std::span<const adapters::Adapter* const> adapters,
                           triton::InferenceClient& client, concurrency::FifoSemaphore& semaphore,
                           DispatchObserver& observer = NoopDispatchObserver(),
                           const DispatchOptions& options = {});

}  // namespace protifer::prediction
