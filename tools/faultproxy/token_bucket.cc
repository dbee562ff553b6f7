#include "faultproxy/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace protifer::faultproxy {

void TokenBucket::SetRate(std::uint64_t bytes_per_second, Clock::time_point now) {
  rate_ = bytes_per_second;
  balance_ = static_cast<double>(max_write());
  last_refill_ = now;
}

std::size_t TokenBucket::max_write() const {
  constexpr std::uint64_t kLargestWrite = 64 * 1024;
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(rate_ / 20, 1, kLargestWrite));
}

void TokenBucket::Refill(Clock::time_point now) {
  if (now <= last_refill_) return;
  const double seconds = std::chrono::duration<double>(now - last_refill_).count();
  balance_ =
      std::min(balance_ + seconds * static_cast<double>(rate_), static_cast<double>(max_write()));
  last_refill_ = now;
}

TokenBucket::Clock::duration TokenBucket::DelayBeforeWrite(Clock::time_point now) {
  if (!limited()) return Clock::duration::zero();
  Refill(now);
  if (balance_ >= 0) return Clock::duration::zero();
  const double seconds = -balance_ / static_cast<double>(rate_);
  // Round up so the timer never fires while a sliver of debt is still outstanding.
  auto delay = std::chrono::ceil<Clock::duration>(std::chrono::duration<double>(seconds));
  return std::max(delay, Clock::duration{1});
}

void TokenBucket::Consume(std::size_t bytes, Clock::time_point now) {
  if (!limited()) return;
  Refill(now);
  balance_ -= static_cast<double>(bytes);
}

}  // namespace protifer::faultproxy
