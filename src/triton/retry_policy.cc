#include "triton/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace protifer::triton {
namespace {
// 2^30 times any sane base is already weeks; beyond that the exponent stops growing.
constexpr int kMaxBackoffExponent = 30;
}  // namespace

ModelInferRetryPolicy::ModelInferRetryPolicy(RetryOptions options)
    : max_attempts_(std::max(options.max_attempts, 1)), base_backoff_(options.base_backoff) {
  if (base_backoff_.count() < 0) {
    throw std::invalid_argument("retry base backoff must be >= 0 ms, got " +
                                std::to_string(base_backoff_.count()));
  }
}

bool ModelInferRetryPolicy::ShouldRetry(const TritonError& error, int attempts_made) const {
  return error.transient() && attempts_made < max_attempts_;
}

std::chrono::milliseconds ModelInferRetryPolicy::BackoffDelay(int attempts_made,
                                                              double uniform01) const {
  const int exponent = std::clamp(attempts_made - 1, 0, kMaxBackoffExponent);
  const double ceiling = static_cast<double>(base_backoff_.count()) * std::ldexp(1.0, exponent);
  const double u = std::isnan(uniform01) ? 0.0 : std::clamp(uniform01, 0.0, 1.0);
  const double delay = std::round(ceiling / 2 + u * ceiling / 2);
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(delay));
}

}  // namespace protifer::triton
