#include "model_scheduler.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace protifer::kserve_stub {
namespace {

Clock::duration Scaled(double microseconds, double time_scale) {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::micro>(microseconds * time_scale));
}

}  // namespace

ModelScheduler::ModelScheduler(const ModelSpec& spec, TimerQueue& timers, ComputePool& pool,
                               StubMetrics& metrics, double time_scale)
    : spec_(spec),
      function_(MakeModelFunction(spec)),
      timers_(timers),
      pool_(pool),
      metrics_(metrics),
      time_scale_(time_scale),
      instance_busy_(static_cast<std::size_t>(spec.instance_count), false) {}

Clock::duration ModelScheduler::ServiceTime(std::int64_t residues) const {
  return Scaled(spec_.service_time.fixed_ms * 1000.0 +
                    spec_.service_time.per_residue_us * static_cast<double>(residues),
                time_scale_);
}

void ModelScheduler::Enqueue(ValidatedRequest request, InferDone done) {
  std::vector<std::shared_ptr<Batch>> ready;
  {
    std::lock_guard lock(mutex_);
    if (spec_.max_queue_size && queue_.size() >= *spec_.max_queue_size) {
      // Fall through to the rejection below without holding the lock.
    } else {
      auto job = std::make_unique<Job>();
      job->request = std::move(request);
      job->done = std::move(done);
      job->enqueued = Clock::now();
      queue_.push_back(std::move(job));
      metrics_.RequestQueued(spec_.name);
      FormBatchesLocked(Clock::now(), &ready);
      done = nullptr;
    }
  }
  if (done) {
    done(grpc::Status(grpc::StatusCode::UNAVAILABLE, "Exceeds maximum queue size"), {});
    return;
  }
  Start(std::move(ready));
}

void ModelScheduler::FormBatchesLocked(Clock::time_point now,
                                       std::vector<std::shared_ptr<Batch>>* ready,
                                       std::optional<FreedInstance> freed) {
  while (!queue_.empty()) {
    auto free_instance = std::find(instance_busy_.begin(), instance_busy_.end(), false);
    if (free_instance == instance_busy_.end()) return;

    std::size_t take = 1;
    Clock::time_point not_before{};  // a batch sent because its delay expired starts after it
    if (spec_.dynamic_batching) {
      const DynamicBatching& batching = *spec_.dynamic_batching;
      const std::vector<std::int64_t>& preferred = batching.preferred_batch_sizes;
      const std::int64_t target = preferred.empty() ? spec_.max_batch_size : preferred.back();
      std::int64_t total = 0;
      std::size_t count = 0;
      std::size_t preferred_count = 0;
      bool next_does_not_fit = false;
      for (const auto& job : queue_) {
        const std::int64_t size = std::max<std::int64_t>(1, job->request.batch_size);
        if (count > 0 && total + size > spec_.max_batch_size) {
          next_does_not_fit = true;
          break;
        }
        total += size;
        ++count;
        if (std::binary_search(preferred.begin(), preferred.end(), total)) preferred_count = count;
        if (total >= target) break;
      }
      const bool full = total >= target || next_does_not_fit;
      const Clock::time_point deadline =
          queue_.front()->enqueued +
          Scaled(static_cast<double>(batching.max_queue_delay.count()), time_scale_);
      if (!full && now < deadline) {
        if (!batching_timer_armed_ || deadline < batching_timer_due_) {
          batching_timer_armed_ = true;
          batching_timer_due_ = deadline;
          timers_.Schedule(deadline, [this] { OnBatchingTimer(); });
        }
        return;
      }
      // After the delay Triton sends the largest preferred size it can form, else all it has.
      take = (!full && preferred_count > 0) ? preferred_count : count;
      if (!full) not_before = deadline;
    }

    auto batch = std::make_shared<Batch>();
    batch->instance = static_cast<int>(free_instance - instance_busy_.begin());
    *free_instance = true;
    for (std::size_t i = 0; i < take; ++i) {
      batch->jobs.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    batch->started = now;
    if (freed && freed->instance == batch->instance) {
      batch->started = std::max(freed->at, not_before);
      for (const auto& job : batch->jobs) batch->started = std::max(batch->started, job->enqueued);
      freed.reset();
    }
    for (const auto& job : batch->jobs) {
      metrics_.RequestDequeued(spec_.name, batch->started - job->enqueued);
    }
    ready->push_back(std::move(batch));
  }
}

void ModelScheduler::OnBatchingTimer() {
  std::vector<std::shared_ptr<Batch>> ready;
  {
    std::lock_guard lock(mutex_);
    const Clock::time_point now = Clock::now();
    if (batching_timer_armed_ && now >= batching_timer_due_) batching_timer_armed_ = false;
    FormBatchesLocked(now, &ready);
  }
  Start(std::move(ready));
}

void ModelScheduler::Start(std::vector<std::shared_ptr<Batch>> batches) {
  for (auto& batch : batches) {
    pool_.Post([this, batch] { Compute(batch); });
  }
}

void ModelScheduler::Compute(const std::shared_ptr<Batch>& batch) {
  std::int64_t residues = 0;
  for (auto& job : batch->jobs) {
    residues += job->request.residues;
    try {
      job->status = function_->Evaluate(job->request.inputs, &job->outputs);
      if (job->status.ok()) {
        job->status = VerifyOutputs(spec_, job->request.batch_size, job->outputs);
      }
    } catch (const std::exception& error) {
      job->status = grpc::Status(grpc::StatusCode::INTERNAL,
                                 "model '" + spec_.name + "' failed: " + error.what());
    }
    if (!job->status.ok()) job->outputs.clear();
  }
  const Clock::time_point computed = Clock::now();
  batch->finish = std::max(batch->started + ServiceTime(residues), computed);
  if (computed < batch->finish) {
    timers_.Schedule(batch->finish, [this, batch] { Complete(batch); });
  } else {
    Complete(batch);
  }
}

void ModelScheduler::Complete(const std::shared_ptr<Batch>& batch) {
  const Clock::time_point now = Clock::now();
  std::vector<std::shared_ptr<Batch>> ready;
  {
    std::lock_guard lock(mutex_);
    instance_busy_[static_cast<std::size_t>(batch->instance)] = false;
    FormBatchesLocked(now, &ready, FreedInstance{batch->instance, batch->finish});
  }
  std::int64_t inferences = 0;
  for (const auto& job : batch->jobs) {
    inferences += std::max<std::int64_t>(1, job->request.batch_size);
  }
  metrics_.BatchExecuted(spec_.name, batch->instance, static_cast<std::int64_t>(batch->jobs.size()),
                         inferences, batch->finish - batch->started);
  // Answer this batch before starting the next one, so that callers see completions in the
  // order the instance executed them (the next batch's simulated time already runs from
  // batch->finish).
  for (auto& job : batch->jobs) {
    InferDone done = std::move(job->done);
    done(std::move(job->status), std::move(job->outputs));
  }
  Start(std::move(ready));
}

}  // namespace protifer::kserve_stub
