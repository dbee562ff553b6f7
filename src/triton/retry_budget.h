// How many retries a Client may send right now, across all its calls (gRFC A6 retry throttling).
//
// The retry policy (retry_policy.h) bounds the attempts of one call; it cannot see that every
// call is failing. When Triton is down or overloaded, each call would still make max_attempts
// attempts, multiplying the load on a server that is already failing. The budget is a token
// bucket shared by every call of the Client: transient failures drain it, successes refill it
// slowly, and once it is at or below half full the failing calls stop retrying (they fail with
// their last error after the attempt in hand), so a dead server sees about one attempt per call
// instead of max_attempts. A healthy server refills it, and retries of occasional failures
// (connection resets) go on as before.
//
// Tokens are counted in thousandths, like gRPC's own implementation: repeated fractional
// refills (0.1 per success) add up exactly, so the half-full threshold is crossed at a
// predictable point instead of one floating-point rounding early or late.
#pragma once

#include <cstdint>
#include <mutex>

namespace protifer::triton {

struct RetryBudgetOptions {
  // Size of the bucket, and its content at start (TRITON_RETRY_BUDGET_TOKENS); 0 = no budget,
  // retries are limited by the retry policy alone.
  double max_tokens = 0;
  // Tokens a successful attempt puts back (TRITON_RETRY_BUDGET_RATIO); three decimals are kept.
  double token_ratio = 0.1;
};

// Thread-safe; one per Client.
class RetryBudget {
 public:
  // Throws std::invalid_argument when the options are out of range (see ValidateClientOptions,
  // which names the environment variables).
  explicit RetryBudget(RetryBudgetOptions options);
  RetryBudget(const RetryBudget&) = delete;
  RetryBudget& operator=(const RetryBudget&) = delete;

  bool enabled() const noexcept { return max_milli_tokens_ > 0; }

  // An attempt failed with a transient error: removes one token (not below 0), then tells
  // whether a retry is allowed (tokens above half of max_tokens). Decrement and decision are
  // one step, so concurrent failures cannot all see the same tokens and all retry. Always true
  // when the budget is off.
  bool OnTransientFailure();
  // An attempt succeeded: adds token_ratio (not above max_tokens).
  void OnSuccess();
  // Whether a retry would be allowed now, without changing anything.
  bool RetryAllowed() const;
  // Current content (0 when off).
  double tokens() const;

 private:
  bool AboveThreshold() const;  // mutex_ held

  const std::int64_t max_milli_tokens_;
  const std::int64_t milli_token_ratio_;
  mutable std::mutex mutex_;
  std::int64_t milli_tokens_;  // guarded by mutex_
};

}  // namespace protifer::triton
