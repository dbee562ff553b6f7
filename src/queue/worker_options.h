// Settings of a BullmqWorker. Defaults are protifer's WORKER_DEFAULTS (contract section 1.4),
// not bullmq's, because this worker replaces protifer's.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace spdlog {
class logger;
}

namespace protifer::queue {

// BullMQ worker `limiter`: at most `max` jobs started per `duration`, enforced inside the
// moveToActive script for the whole queue (all workers share the limiter key).
struct RateLimiter {
  std::int64_t max = 20;
  std::chrono::milliseconds duration{1000};
};

// What the worker does when the queue's meta `version` (written by every Node `new Queue()`)
// names another bullmq release than the one the scripts were taken from. A different major is
// always refused: v6 moved state the v5 scripts rely on (no paused list) and jobs would strand.
enum class VersionPolicy {
  kWarnOnMinorMismatch,  // other 5.x: log a warning and run (the scripts are per-process)
  kRefuseAnyMismatch,    // other 5.x: refuse to start
};

struct WorkerOptions {
  std::string queue_name;
  std::string prefix = "bull";
  // Optional worker name: stored as `pb` (processedBy) on jobs and appended to the connection
  // name ("bull:<b64>:w:<name>"). protifer's workers set none.
  std::string worker_name;

  int concurrency = 4;
  std::chrono::milliseconds lock_duration{300000};
  // Locks are checked every lock_renew_time/2 and renewed when older than that (bullmq's
  // LockManager), so each lock is refreshed every ~lock_renew_time/2..lock_renew_time.
  std::chrono::milliseconds lock_renew_time{30000};
  std::chrono::milliseconds stalled_interval{30000};
  int max_stalled_count = 2;
  std::optional<RateLimiter> limiter = RateLimiter{};
  // BZPOPMIN timeout while the queue is empty (bullmq drainDelay, 5 s).
  std::chrono::milliseconds drain_delay{5000};
  std::chrono::milliseconds maximum_rate_limit_delay{30000};
  // Fail a job unprocessed once it was started more often than this (bullmq maxStartedAttempts).
  std::optional<int> max_started_attempts;
  // Job data longer than this many bytes of JSON text fails the job unprocessed and without
  // retries, before it is parsed: it bounds what a bad producer can make the worker allocate.
  // 0: no limit (bullmq has none).
  std::size_t max_data_bytes = 0;
  // Worker-level removeOnComplete / removeOnFail, in bullmq's shapes: null (keep all), true
  // (remove at once), a count, or {count, age, limit}. A job's own option wins.
  nlohmann::json remove_on_complete;
  nlohmann::json remove_on_fail;

  // Pause between attempts while Redis is unreachable: doubles from min to max.
  std::chrono::milliseconds reconnect_backoff_min{100};
  std::chrono::milliseconds reconnect_backoff_max{5000};

  VersionPolicy version_policy = VersionPolicy::kWarnOnMinorMismatch;

  std::shared_ptr<spdlog::logger> logger;  // null: spdlog's default logger
};

// What happened to one attempt of a job, reported to WorkerHooks::on_outcome (metrics, logs).
struct JobOutcome {
  enum class Kind {
    kCompleted,       // moveToFinished(completed) succeeded
    kFailed,          // moveToFinished(failed): terminal
    kRetryScheduled,  // moveToDelayed (backoff) or retryJob (no backoff)
    kLost,            // Redis refused to finish it (lock lost, job gone): left to its new owner
    kAbandoned,       // Close() deadline passed before the job finished: left to stalled checks
  };
  Kind kind = Kind::kCompleted;
  std::string job_id;
  std::string job_name;
  std::string failed_reason;        // kFailed / kRetryScheduled: the failedReason stored
  int attempts_made = 0;            // attemptsMade after this attempt
  std::int64_t retry_delay_ms = 0;  // kRetryScheduled: backoff before the next attempt (0: none)
  std::chrono::milliseconds processing_time{0};
};

struct WorkerHooks {
  // Called on the job's thread after Redis has accepted the outcome. Must not throw.
  std::function<void(const JobOutcome&)> on_outcome;
};

}  // namespace protifer::queue
