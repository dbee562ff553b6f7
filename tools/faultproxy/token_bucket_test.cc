#include "faultproxy/token_bucket.h"

#include <gtest/gtest.h>

namespace protifer::faultproxy {
namespace {

using Clock = TokenBucket::Clock;
using std::chrono::milliseconds;

// Drives the bucket like a writer would, on a simulated clock: how long does it take to pass
// `total` bytes at `rate`?
Clock::duration TimeToSend(std::uint64_t rate, std::size_t total) {
  TokenBucket bucket;
  Clock::time_point now{};
  bucket.SetRate(rate, now);
  std::size_t sent = 0;
  while (sent < total) {
    now += bucket.DelayBeforeWrite(now);
    EXPECT_EQ(bucket.DelayBeforeWrite(now), Clock::duration::zero());
    const std::size_t chunk = std::min(bucket.max_write(), total - sent);
    bucket.Consume(chunk, now);
    sent += chunk;
  }
  return now - Clock::time_point{};
}

TEST(TokenBucket, UnlimitedNeverWaits) {
  TokenBucket bucket;
  EXPECT_FALSE(bucket.limited());
  bucket.Consume(1 << 30, Clock::now());
  EXPECT_EQ(bucket.DelayBeforeWrite(Clock::now()), Clock::duration::zero());
}

TEST(TokenBucket, PacesToTheConfiguredRate) {
  // 100 kB at 10 kB/s: about 10 s, minus at most the initial balance and one overdraft.
  const auto elapsed = TimeToSend(10'000, 100'000);
  EXPECT_GE(elapsed, milliseconds(9'800));
  EXPECT_LE(elapsed, milliseconds(10'000));
}

TEST(TokenBucket, WritesAreSlicedToOneTwentiethOfASecond) {
  TokenBucket bucket;
  bucket.SetRate(100'000, Clock::now());
  EXPECT_EQ(bucket.max_write(), 5'000u);
  bucket.SetRate(10, Clock::now());
  EXPECT_EQ(bucket.max_write(), 1u);
  bucket.SetRate(1'000'000'000, Clock::now());
  EXPECT_EQ(bucket.max_write(), 64u * 1024u);
}

TEST(TokenBucket, IdleTimeDoesNotBuildAnUnboundedBurst) {
  TokenBucket bucket;
  Clock::time_point now{};
  bucket.SetRate(1'000, now);
  now += std::chrono::hours(1);
  bucket.Consume(bucket.max_write(), now);
  bucket.Consume(bucket.max_write(), now);
  // Only one write's worth was saved up, so the second write put the bucket in debt.
  EXPECT_GT(bucket.DelayBeforeWrite(now), Clock::duration::zero());
}

TEST(TokenBucket, AHigherRateFinishesSooner) {
  EXPECT_LT(TimeToSend(1'000'000, 100'000), TimeToSend(100'000, 100'000));
}

}  // namespace
}  // namespace protifer::faultproxy
