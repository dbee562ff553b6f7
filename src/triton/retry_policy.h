// When to send a failed ModelInfer again, and how long to wait first (protifer PR #32, spec §4.3).
//
// Bounded attempts with "equal jitter" exponential backoff: after attempt n the wait is uniform
// in [E/2, E] with E = base * 2^(n-1). Half of E is always waited, so a burst of failures cannot
// come straight back; the random half spreads the retries of calls that failed together (one
// connection reset fails every call on it at the same instant).
#pragma once

#include <chrono>

#include "triton/triton_error.h"

namespace protifer::triton {

struct RetryOptions {
  // Total attempts including the first (TRITON_RETRY_MAX_ATTEMPTS); <= 1 disables retry.
  int max_attempts = 3;
  // E for the first retry (TRITON_RETRY_BASE_BACKOFF_MS).
  std::chrono::milliseconds base_backoff{100};
};

class ModelInferRetryPolicy {
 public:
  // Throws std::invalid_argument for a negative base_backoff.
  explicit ModelInferRetryPolicy(RetryOptions options);

  // True when `error`, the outcome of attempt number `attempts_made` (1-based), should be
  // followed by another attempt: the error is transient and the attempt budget is not spent.
  bool ShouldRetry(const TritonError& error, int attempts_made) const;

  // The wait before attempt `attempts_made + 1`: round(E/2 + u*E/2) ms, E = base * 2^(n-1).
  // `uniform01` is a uniform draw in [0, 1); values outside are clamped into [0, 1].
  // The exponent is capped so that huge attempt numbers cannot overflow.
  std::chrono::milliseconds BackoffDelay(int attempts_made, double uniform01) const;

  // max_attempts normalised to >= 1.
  int max_attempts() const noexcept { return max_attempts_; }
  std::chrono::milliseconds base_backoff() const noexcept { return base_backoff_; }

 private:
  int max_attempts_;
  std::chrono::milliseconds base_backoff_;
};

}  // namespace protifer::triton
