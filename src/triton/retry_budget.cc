#include "triton/retry_budget.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace protifer::triton {
namespace {

// 10^12 tokens is beyond any sane budget; clamping there keeps the thousandths (and twice
// them, for the threshold) far inside int64.
constexpr double kMaxTokens = 1e12;

std::int64_t ToMilli(double tokens) {
  if (!(tokens > 0)) {  // also NaN
    return 0;
  }
  return static_cast<std::int64_t>(std::llround(std::clamp(tokens, 0.0, kMaxTokens) * 1000));
}

RetryBudgetOptions Checked(RetryBudgetOptions options) {
  if (!std::isfinite(options.max_tokens) || options.max_tokens < 0) {
    throw std::invalid_argument("retry budget max_tokens must be >= 0, got " +
                                std::to_string(options.max_tokens));
  }
  if (options.max_tokens > 0 &&
      !(options.token_ratio >= 0.001 && options.token_ratio <= options.max_tokens)) {
    throw std::invalid_argument("retry budget token_ratio must be in [0.001, max_tokens], got " +
                                std::to_string(options.token_ratio));
  }
  return options;
}

}  // namespace

RetryBudget::RetryBudget(RetryBudgetOptions options)
    : max_milli_tokens_(ToMilli(Checked(options).max_tokens)),
      milli_token_ratio_(options.max_tokens > 0 ? ToMilli(options.token_ratio) : 0),
      milli_tokens_(max_milli_tokens_) {}

bool RetryBudget::OnTransientFailure() {
  if (!enabled()) {
    return true;
  }
  std::lock_guard lock(mutex_);
  milli_tokens_ = std::max<std::int64_t>(milli_tokens_ - 1000, 0);
  return AboveThreshold();
}

void RetryBudget::OnSuccess() {
  if (!enabled()) {
    return;
  }
  std::lock_guard lock(mutex_);
  milli_tokens_ = std::min(milli_tokens_ + milli_token_ratio_, max_milli_tokens_);
}

bool RetryBudget::RetryAllowed() const {
  if (!enabled()) {
    return true;
  }
  std::lock_guard lock(mutex_);
  return AboveThreshold();
}

double RetryBudget::tokens() const {
  std::lock_guard lock(mutex_);
  return static_cast<double>(milli_tokens_) / 1000;
}

bool RetryBudget::AboveThreshold() const { return milli_tokens_ * 2 > max_milli_tokens_; }

}  // namespace protifer::triton
