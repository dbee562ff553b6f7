#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace protifer::faultproxy {

// Paces one direction of a connection to a byte rate. A write may overdraw the balance
// (so a chunk never has to wait for the full amount to accumulate); the next write then waits
// until the debt is repaid. Over any interval T at most rate*T + 2*max_write() bytes pass.
// Time is passed in, so the arithmetic can be tested without sleeping.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // 0 = unlimited. Starts with a full (one write's worth) balance.
  void SetRate(std::uint64_t bytes_per_second, Clock::time_point now);
  bool limited() const { return rate_ > 0; }
  std::uint64_t rate() const { return rate_; }

  // Largest single write: 1/20 s worth of bytes, between 1 byte and 64 KiB, so pacing stays
  // smooth at both low and high rates.
  std::size_t max_write() const;

  // How long to wait before the next write may start; zero when it may start now.
  Clock::duration DelayBeforeWrite(Clock::time_point now);

  // Records a write of `bytes` that starts now.
  void Consume(std::size_t bytes, Clock::time_point now);

 private:
  void Refill(Clock::time_point now);

  std::uint64_t rate_ = 0;
  double balance_ = 0;  // bytes; negative = debt
  Clock::time_point last_refill_{};
};

}  // namespace protifer::faultproxy
