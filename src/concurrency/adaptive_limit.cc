#include "concurrency/adaptive_limit.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace protifer::concurrency {
namespace {

// One slow call (a retry after a long backoff, a huge outlier) must not decide a window alone.
constexpr double kMaxRatioPerSample = 20.0;
// How fast the best latencies forget, per window.
constexpr double kBaselineDriftPerWindow = 1.005;

// Requests within a factor sqrt(2) of each other share a class: their unloaded latencies differ
// by less than the tolerance, so one best latency stands for all of them.
int SizeClass(std::size_t bytes) {
  if (bytes == 0) {
    return 0;
  }
  return static_cast<int>(std::floor(2.0 * std::log2(static_cast<double>(bytes))));
}

}  // namespace

void ValidateAdaptiveLimitOptions(const AdaptiveLimitOptions& options) {
  if (options.min_limit < 1) {
    throw std::invalid_argument("adaptive limit: min_limit must be >= 1, got " +
                                std::to_string(options.min_limit));
  }
  if (options.max_limit < options.min_limit) {
    throw std::invalid_argument("adaptive limit: max_limit (" + std::to_string(options.max_limit) +
                                ") must be >= min_limit (" + std::to_string(options.min_limit) +
                                ")");
  }
  if (options.window.count() <= 0) {
    throw std::invalid_argument("adaptive limit: window must be positive");
  }
  if (!(options.tolerance > 1.0)) {
    throw std::invalid_argument("adaptive limit: tolerance must be > 1");
  }
  if (!(options.drop_tolerance >= 0.0 && options.drop_tolerance < 1.0)) {
    throw std::invalid_argument("adaptive limit: drop_tolerance must be in [0, 1)");
  }
  if (!(options.backoff_ratio > 0.0 && options.backoff_ratio < 1.0)) {
    throw std::invalid_argument("adaptive limit: backoff_ratio must be in (0, 1)");
  }
  if (options.hold.count() <= 0 || options.max_hold < options.hold) {
    throw std::invalid_argument("adaptive limit: hold must be positive and at most max_hold");
  }
}

AdaptiveLimit::AdaptiveLimit(FifoSemaphore& semaphore, AdaptiveLimitOptions options, Clock clock)
    : semaphore_(semaphore),
      options_((ValidateAdaptiveLimitOptions(options), options)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      limit_(std::clamp(semaphore.capacity(), options_.min_limit, options_.max_limit)),
      window_start_(clock_()),
      last_cut_(window_start_) {
  semaphore_.SetCapacity(limit_);
}

void AdaptiveLimit::OnSample(const LimitSample& sample) {
  const std::chrono::steady_clock::time_point now = clock_();
  // Read outside our mutex: the semaphore has its own, and the value is a hint anyway.
  const bool waiters = semaphore_.waiters() > 0;
  std::int64_t new_limit = 0;
  {
    std::lock_guard lock(mutex_);
    saw_waiters_ = saw_waiters_ || waiters;
    switch (sample.outcome) {
      case LimitSample::Outcome::kSuccess:
        inflation_sum_ += InflationLocked(sample);
        ++inflation_samples_;
        ++attempts_;
        break;
      case LimitSample::Outcome::kTransportDrop:
        // A call that started before the last cut was sent under the old, wider limit.
        if (now - sample.latency >= last_cut_) {
          ++drops_;
          ++attempts_;
        }
        break;
      case LimitSample::Outcome::kOther:
        break;
    }
    new_limit = CloseWindowLocked(now);
  }
  if (new_limit != 0) {
    // Outside mutex_: growing may hand permits to waiters, whose callbacks start calls here.
    // apply_mutex_ plus re-reading the limit keeps two quick windows from applying out of order.
    std::lock_guard apply(apply_mutex_);
    semaphore_.SetCapacity(limit());
  }
}

double AdaptiveLimit::InflationLocked(const LimitSample& sample) {
  const double seconds = std::chrono::duration<double>(sample.latency).count();
  if (!(seconds > 0)) {
    return 1.0;
  }
  std::string key(sample.model);
  key += '#';
  key += std::to_string(SizeClass(sample.request_bytes));
  auto [it, inserted] = best_latency_.try_emplace(std::move(key), seconds);
  if (!inserted && seconds < it->second) {
    it->second = seconds;
  }
  return std::min(seconds / it->second, kMaxRatioPerSample);
}

std::int64_t AdaptiveLimit::CloseWindowLocked(std::chrono::steady_clock::time_point now) {
  if (now - window_start_ < options_.window) {
    return 0;
  }
  const double inflation =
      inflation_samples_ == 0 ? 0.0 : inflation_sum_ / static_cast<double>(inflation_samples_);
  std::int64_t next = limit_;
  const bool too_many_drops =
      drops_ > 0 &&
      static_cast<double>(drops_) > options_.drop_tolerance * static_cast<double>(attempts_);
  if (too_many_drops) {
    // Broke again at (or just under) the ceiling while it held: the transport's width is there.
    const bool again = ceiling_ != 0 && now < ceiling_until_ && limit_ >= ceiling_ - 1;
    hold_ = again ? std::min(hold_ * 2, options_.max_hold) : options_.hold;
    ceiling_ = ceiling_ == 0 || now >= ceiling_until_ ? limit_ : std::min(ceiling_, limit_);
    ceiling_until_ = now + hold_;
    next =
        static_cast<std::int64_t>(std::floor(static_cast<double>(limit_) * options_.backoff_ratio));
    last_cut_ = now;
  } else if (inflation > options_.tolerance) {
    const double gradient = std::max(0.5, options_.tolerance / inflation);
    next = static_cast<std::int64_t>(std::floor(static_cast<double>(limit_) * gradient));
  } else if (saw_waiters_) {
    next = limit_ + std::max<std::int64_t>(1, std::llround(std::sqrt(static_cast<double>(limit_))));
    if (ceiling_ != 0 && now < ceiling_until_) {
      // Stay just below the width at which the transport broke until the hold is over.
      next = std::max(limit_, std::min(next, ceiling_ - 1));
    }
  }
  next = std::clamp(next, options_.min_limit, options_.max_limit);

  if (inflation_samples_ != 0) {
    last_inflation_ = inflation;
  }
  for (auto& [key, best] : best_latency_) {
    best *= kBaselineDriftPerWindow;
  }
  window_start_ = now;
  inflation_sum_ = 0;
  inflation_samples_ = 0;
  drops_ = 0;
  attempts_ = 0;
  saw_waiters_ = false;
  if (next == limit_) {
    return 0;
  }
  limit_ = next;
  return next;
}

std::int64_t AdaptiveLimit::limit() const {
  std::lock_guard lock(mutex_);
  return limit_;
}

double AdaptiveLimit::last_inflation() const {
  std::lock_guard lock(mutex_);
  return last_inflation_;
}

}  // namespace protifer::concurrency
