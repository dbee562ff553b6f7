// What to do with a failed attempt, decided on the worker side as bullmq's Job.moveToFailed
// does (spec bullmq-v5-protocol.md section 2, "Processing a job").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "queue/job_record.h"

namespace protifer::queue {

struct FailureDecision {
  enum class Action {
    kRetryAfterDelay,  // moveToDelayed with delay_ms
    kRetryNow,         // retryJob
    kFail,             // moveToFinished(failed)
  };
  Action action = Action::kFail;
  std::int64_t delay_ms = 0;
  // Set when the job asked for a backoff strategy this worker cannot compute (a custom
  // strategy lives in the Node process that defined it); the job is then failed.
  std::optional<std::string> unsupported_backoff;
};

// Backoffs.calculate for the built-in strategies. attempt = attemptsMade + 1. random01 is a
// uniform draw in [0, 1) used only with jitter. nullopt for an unknown strategy.
std::optional<std::int64_t> BackoffDelay(const BackoffSpec& backoff, int attempt, double random01);

// attempts_made: before this attempt. unrecoverable: deferred failures and malformed jobs.
FailureDecision DecideFailure(const JobOptions& options, int attempts_made, bool unrecoverable,
                              double random01);

// Job.updateStacktrace: appends entry to the JSON array `existing` (invalid or non-array
// JSON counts as empty), keeps the last stack_trace_limit entries (0 keeps none), and returns
// the JSON text to store.
std::string AppendStacktrace(const std::string& existing, const std::string& entry,
                             std::optional<std::int64_t> stack_trace_limit);

}  // namespace protifer::queue
