// Capacity model of one leaf model, after Triton's schedulers: a FIFO queue in front of
// `instance_count` instances; a request waits until an instance is free; with dynamic batching
// the queue head is merged into batches (Triton's dynamic_batch_scheduler rules, see
// DynamicBatching). A batch occupies its instance for
//   (fixed_ms + per_residue_us * residues in the batch) * time_scale
// or for as long as computing the outputs really takes, whichever is longer. All waiting is
// timers on the shared TimerQueue; outputs are computed on the ComputePool.
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "compute_pool.h"
#include "model_catalog.h"
#include "model_functions.h"
#include "request_validator.h"
#include "stub_metrics.h"
#include "timer_queue.h"

namespace protifer::kserve_stub {

// Called exactly once per request, on a pool or timer thread, never under a scheduler lock.
// `outputs` holds every configured output on success.
using InferDone = std::function<void(grpc::Status status, TensorList outputs)>;

class ModelScheduler {
 public:
  ModelScheduler(const ModelSpec& spec, TimerQueue& timers, ComputePool& pool, StubMetrics& metrics,
                 double time_scale);
  ModelScheduler(const ModelScheduler&) = delete;
  ModelScheduler& operator=(const ModelScheduler&) = delete;

  // Queues a validated request. Fails it at once with UNAVAILABLE "Exceeds maximum queue size"
  // when the model has a max_queue_size and the queue is full (Triton's queue policy).
  void Enqueue(ValidatedRequest request, InferDone done);

  // Simulated duration of a batch of `residues` residues (time scale applied).
  Clock::duration ServiceTime(std::int64_t residues) const;

 private:
  struct Job {
    ValidatedRequest request;
    InferDone done;
    Clock::time_point enqueued;
    grpc::Status status;
    TensorList outputs;
  };
  struct Batch {
    int instance = -1;
    Clock::time_point started;
    Clock::time_point finish;  // started + service time, or later if computing took longer
    std::vector<std::unique_ptr<Job>> jobs;
  };
  // An instance that has just finished a batch, and when its simulated execution ended.
  struct FreedInstance {
    int instance;
    Clock::time_point at;
  };

  // Forms every batch that may start now (needs mutex_); arms the batching timer otherwise.
  // A batch taking `freed` starts when that instance became free (or when its newest request
  // arrived, if later) rather than when the completion timer ran: timer lateness must not
  // accumulate into lost simulated capacity.
  void FormBatchesLocked(Clock::time_point now, std::vector<std::shared_ptr<Batch>>* ready,
                         std::optional<FreedInstance> freed = std::nullopt);
  void Start(std::vector<std::shared_ptr<Batch>> batches);
  void Compute(const std::shared_ptr<Batch>& batch);
  void Complete(const std::shared_ptr<Batch>& batch);
  void OnBatchingTimer();

  const ModelSpec& spec_;
  std::unique_ptr<ModelFunction> function_;
  TimerQueue& timers_;
  ComputePool& pool_;
  StubMetrics& metrics_;
  const double time_scale_;

  std::mutex mutex_;
  std::deque<std::unique_ptr<Job>> queue_;
  std::vector<bool> instance_busy_;
  bool batching_timer_armed_ = false;
  Clock::time_point batching_timer_due_{};
};

}  // namespace protifer::kserve_stub
