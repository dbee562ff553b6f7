#include "concurrency/adaptive_limit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <stdexcept>
#include <vector>

namespace protifer::concurrency {
namespace {

using std::chrono::milliseconds;
using Outcome = LimitSample::Outcome;

// A clock the test moves by hand.
struct ManualClock {
  std::chrono::steady_clock::time_point now{};
  AdaptiveLimit::Clock Get() {
    return [this] { return now; };
  }
};

LimitSample Sample(milliseconds latency, Outcome outcome = Outcome::kSuccess,
                   std::string_view model = "tmbed", std::size_t bytes = 1'000'000) {
  return LimitSample{model, bytes, latency, outcome};
}

AdaptiveLimitOptions Options() {
  AdaptiveLimitOptions options;
  options.min_limit = 2;
  options.max_limit = 64;
  options.window = milliseconds(500);
  options.tolerance = 2.0;
  options.backoff_ratio = 0.5;
  return options;
}

// Holds every permit of the semaphore and queues one more Acquire, so that the limiter sees
// calls waiting for a permit (the limit is the bottleneck).
struct Saturation {
  explicit Saturation(FifoSemaphore& semaphore) {
    for (std::int64_t i = 0; i < semaphore.capacity(); ++i) {
      held.push_back(semaphore.AcquireFuture().get());
    }
    waiting = semaphore.AcquireFuture();
  }
  std::vector<FifoSemaphore::Permit> held;
  std::future<FifoSemaphore::Permit> waiting;
};

TEST(AdaptiveLimit, StartsFromTheSemaphoresCapacityClampedIntoRange) {
  FifoSemaphore semaphore(100);
  ManualClock clock;
  const AdaptiveLimit limit(semaphore, Options(), clock.Get());
  EXPECT_EQ(limit.limit(), 64);
  EXPECT_EQ(semaphore.capacity(), 64);
}

TEST(AdaptiveLimit, GrowsBySqrtWhileCallsWaitForPermitsAndLatencyStaysFlat) {
  FifoSemaphore semaphore(16);
  ManualClock clock;
  AdaptiveLimit limit(semaphore, Options(), clock.Get());
  Saturation saturation(semaphore);
  limit.OnSample(Sample(milliseconds(100)));
  clock.now += milliseconds(500);
  limit.OnSample(Sample(milliseconds(110)));  // closes the window: inflation ~1.05
  EXPECT_EQ(limit.limit(), 20);
  EXPECT_EQ(semaphore.capacity(), 20);
  // The growth went to the waiter at once.
  EXPECT_EQ(saturation.waiting.wait_for(milliseconds(0)), std::future_status::ready);
}

TEST(AdaptiveLimit, DoesNotGrowWhenNobodyWaits) {
  FifoSemaphore semaphore(8);
  ManualClock clock;
  AdaptiveLimit limit(semaphore, Options(), clock.Get());
  limit.OnSample(Sample(milliseconds(100)));
  clock.now += milliseconds(500);
  limit.OnSample(Sample(milliseconds(100)));
  EXPECT_EQ(limit.limit(), 8);
}

TEST(AdaptiveLimit, NothingChangesBeforeTheWindowEnds) {
  FifoSemaphore semaphore(8);
  ManualClock clock;
  AdaptiveLimit limit(semaphore, Options(), clock.Get());
  clock.now += milliseconds(200);
  limit.OnSample(Sample(milliseconds(100), Outcome::kTransportDrop));
  clock.now += milliseconds(299);
  limit.OnSample(Sample(milliseconds(100)));
  EXPECT_EQ(limit.limit(), 8);
  clock.now += milliseconds(1);
  limit.OnSample(Sample(milliseconds(100)));
  EXPECT_EQ(limit.limit(), 4);
}

TEST(AdaptiveLimit, TransportDropsCutMultiplicativelyOncePerWindow) {
  FifoSemaphore semaphore(32);
  ManualClock clock;
  AdaptiveLimit limit(semaphore, Options(), clock.Get());
  clock.now += milliseconds(1000);
  for (int i = 0; i < 10; ++i) {  // one reset failing ten calls at once
    limit.OnSample(Sample(milliseconds(5), Outcome::kTransportDrop));
  }
  EXPECT_EQ(limit.limit(), 16);
  EXPECT_EQ(semaphore.capacity(), 16);
}

TEST(AdaptiveLimit, AnOccasionalDropIsLeftToTheRetry) {
  FifoSemaphore semaphore(32);
  ManualClock clock;
  AdaptiveLimitOptions options = Options();
  options.drop_tolerance = 0.15;
  AdaptiveLimit limit(semaphore, options, clock.Get());
  clock.now += milliseconds(400);
  for (int i = 0; i < 9; ++i) {
    limit.OnSample(Sample(milliseconds(100)));
  }
  limit.OnSample(Sample(milliseconds(5), Outcome::kTransportDrop));  // 1 in 10
  clock.now += milliseconds(100);
  limit.OnSample(Sample(milliseconds(100)));
  EXPECT_EQ(limit.limit(), 32);
  clock.now += milliseconds(500);
  limit.OnSample(Sample(milliseconds(5), Outcome::kTransportDrop));  // a window of drops
  limit.OnSample(Sample(milliseconds(5), Outcome::kTransportDrop));
  clock.now += milliseconds(1);
  limit.OnSample(Sample(milliseconds(100)));
  EXPECT_EQ(limit.limit(), 16);
}

TEST(AdaptiveLimit, DropsOfCallsStartedBeforeTheLastCutDoNotCutAgain) {
  FifoSemaphore semaphore(32);
  ManualClock clock;
  AdaptiveLimit limit(semaphore, Options(), clock.Get());
  clock.now += milliseconds(1000);
  limit.OnSample(Sample(milliseconds(5), Outcome::kTransportDrop));
  ASSERT_EQ(limit.limit(), 16);
  clock.now += milliseconds(600);
  // Started 700 ms ago, before the cut 600 ms ago: sent under the wider limit.
  limit.OnSample(Sample(milliseconds(700), Outcome::kTransportDrop));
  EXPECT_EQ(limit.limit(), 16);
  clock.now += milliseconds(600);
  // Started after the cut: a new signal.
  limit.OnSample(Sample(milliseconds(100), Outcome::kTransportDrop));
  EXPECT_EQ(limit.limit(), 8);
}

TEST(AdaptiveLimit, LatencyInflationShrinksAlongTheGradient) {
  FifoSemaphore semaphore(40);
  ManualClock clock;
  AdaptiveLimit limit(semaphore, Options(), clock.Get());
  Saturation saturation(semaphore);
  limit.OnSample(Sample(milliseconds(100)));  // the unloaded latency
  clock.now += milliseconds(500);
  limit.OnSample(Sample(milliseconds(100)));
  ASSERT_EQ(limit.limit(), 46);  // grew: flat latency, calls waiting
  clock.now += milliseconds(500);
  // Inflation (2.5 + 2.5) / 2 = 2.5 > tolerance 2: limit x 2 / 2.5.
  limit.OnSample(Sample(milliseconds(250)));
  EXPECT_NEAR(limit.last_inflation(), 2.5, 0.05);
  EXPECT_EQ(limit.limit(), 36);
}

TEST(AdaptiveLimit, LatencyIsComparedPerModelAndRequestSize) {
  FifoSemaphore semaphore(16);
  ManualClock clock;
  AdaptiveLimit limit(semaphore, Options(), clock.Get());
  Saturation saturation(semaphore);
  // A fast model and a slow one, short and long requests: all unloaded.
  limit.OnSample(Sample(milliseconds(10), Outcome::kSuccess, "seth", 100'000));
  limit.OnSample(Sample(milliseconds(400), Outcome::kSuccess, "tmbed", 100'000));
  limit.OnSample(Sample(milliseconds(4000), Outcome::kSuccess, "tmbed", 10'000'000));
  clock.now += milliseconds(500);
  limit.OnSample(Sample(milliseconds(4100), Outcome::kSuccess, "tmbed", 10'000'000));
  EXPECT_LT(limit.last_inflation(), 1.1);
  EXPECT_EQ(limit.limit(), 20);  // grew: nothing looked queued
}

// Queues Acquire calls until one waits, so that the limit is the bottleneck when the next sample
// arrives.
void KeepCallsWaiting(FifoSemaphore& semaphore,
                      std::vector<std::future<FifoSemaphore::Permit>>& more) {
  while (semaphore.waiters() == 0) {
    more.push_back(semaphore.AcquireFuture());
  }
}

TEST(AdaptiveLimit, AfterADropGrowthStaysBelowTheCeilingForTheHold) {
  FifoSemaphore semaphore(16);
  ManualClock clock;
  AdaptiveLimitOptions options = Options();
  options.hold = milliseconds(10000);
  options.max_hold = milliseconds(40000);
  AdaptiveLimit limit(semaphore, options, clock.Get());
  clock.now += milliseconds(1000);
  limit.OnSample(Sample(milliseconds(5), Outcome::kTransportDrop));  // broke at 16
  ASSERT_EQ(limit.limit(), 8);
  std::vector<std::future<FifoSemaphore::Permit>> held;
  auto window = [&](milliseconds advance) {
    KeepCallsWaiting(semaphore, held);
    clock.now += advance;
    limit.OnSample(Sample(milliseconds(100)));
  };
  window(milliseconds(500));
  EXPECT_EQ(limit.limit(), 11);  // 8 + sqrt(8)
  window(milliseconds(500));
  EXPECT_EQ(limit.limit(), 14);
  window(milliseconds(500));
  EXPECT_EQ(limit.limit(), 15);  // just below the ceiling of 16
  window(milliseconds(500));
  EXPECT_EQ(limit.limit(), 15);
  window(milliseconds(10000));  // the hold is over: probing resumes
  EXPECT_EQ(limit.limit(), 19);
}

TEST(AdaptiveLimit, ADropAtTheCeilingDoublesTheHold) {
  FifoSemaphore semaphore(10);
  ManualClock clock;
  AdaptiveLimitOptions options = Options();
  options.backoff_ratio = 0.9;
  options.hold = milliseconds(10000);
  options.max_hold = milliseconds(40000);
  AdaptiveLimit limit(semaphore, options, clock.Get());
  clock.now += milliseconds(1000);
  limit.OnSample(Sample(milliseconds(5), Outcome::kTransportDrop));  // broke at 10: hold 10 s
  ASSERT_EQ(limit.limit(), 9);
  clock.now += milliseconds(1000);
  limit.OnSample(Sample(milliseconds(5), Outcome::kTransportDrop));  // again at 9: hold 20 s
  ASSERT_EQ(limit.limit(), 8);
  std::vector<std::future<FifoSemaphore::Permit>> held;
  auto window = [&](milliseconds advance) {
    KeepCallsWaiting(semaphore, held);
    clock.now += advance;
    limit.OnSample(Sample(milliseconds(100)));
  };
  window(milliseconds(15000));  // past a 10 s hold, within the doubled one
  EXPECT_EQ(limit.limit(), 8);  // capped below the ceiling of 9
  window(milliseconds(500));
  EXPECT_EQ(limit.limit(), 8);
  window(milliseconds(6000));  // 21.5 s after the second drop: probing resumes
  EXPECT_EQ(limit.limit(), 11);
}

TEST(AdaptiveLimit, OtherFailuresSayNothing) {
  FifoSemaphore semaphore(8);
  ManualClock clock;
  AdaptiveLimit limit(semaphore, Options(), clock.Get());
  clock.now += milliseconds(500);
  limit.OnSample(Sample(milliseconds(5), Outcome::kOther));
  EXPECT_EQ(limit.limit(), 8);
}

TEST(AdaptiveLimit, StaysWithinMinAndMax) {
  FifoSemaphore semaphore(3);
  ManualClock clock;
  AdaptiveLimit limit(semaphore, Options(), clock.Get());
  for (int i = 0; i < 3; ++i) {
    clock.now += milliseconds(1000);
    limit.OnSample(Sample(milliseconds(5), Outcome::kTransportDrop));
  }
  EXPECT_EQ(limit.limit(), 2);

  FifoSemaphore big(60);
  AdaptiveLimit growing(big, Options(), clock.Get());
  Saturation saturation(big);
  clock.now += milliseconds(500);
  growing.OnSample(Sample(milliseconds(100)));  // 60 + sqrt(60) = 68, clamped
  EXPECT_EQ(growing.limit(), 64);
  EXPECT_EQ(big.capacity(), 64);
}

TEST(AdaptiveLimit, ShrinkingRevokesNoHeldPermit) {
  FifoSemaphore semaphore(8);
  ManualClock clock;
  AdaptiveLimit limit(semaphore, Options(), clock.Get());
  Saturation saturation(semaphore);
  clock.now += milliseconds(500);
  limit.OnSample(Sample(milliseconds(5), Outcome::kTransportDrop));
  EXPECT_EQ(semaphore.capacity(), 4);
  EXPECT_EQ(semaphore.in_use(), 8);
  for (auto& permit : saturation.held) {
    EXPECT_TRUE(permit.held());
  }
  // The waiter is granted only once in_use drops below the new limit.
  for (int i = 0; i < 4; ++i) {
    saturation.held[static_cast<std::size_t>(i)].Release();
    EXPECT_EQ(saturation.waiting.wait_for(milliseconds(0)), std::future_status::timeout);
  }
  saturation.held[4].Release();
  EXPECT_EQ(saturation.waiting.wait_for(milliseconds(0)), std::future_status::ready);
}

TEST(AdaptiveLimit, RejectsBadOptions) {
  FifoSemaphore semaphore(8);
  AdaptiveLimitOptions options = Options();
  options.min_limit = 0;
  EXPECT_THROW(AdaptiveLimit(semaphore, options), std::invalid_argument);
  options = Options();
  options.max_limit = 1;
  EXPECT_THROW(AdaptiveLimit(semaphore, options), std::invalid_argument);
  options = Options();
  options.tolerance = 1.0;
  EXPECT_THROW(AdaptiveLimit(semaphore, options), std::invalid_argument);
  options = Options();
  options.backoff_ratio = 1.0;
  EXPECT_THROW(AdaptiveLimit(semaphore, options), std::invalid_argument);
  options = Options();
  options.window = milliseconds(0);
  EXPECT_THROW(AdaptiveLimit(semaphore, options), std::invalid_argument);
  options = Options();
  options.drop_tolerance = 1.0;
  EXPECT_THROW(AdaptiveLimit(semaphore, options), std::invalid_argument);
  options = Options();
  options.max_hold = options.hold - milliseconds(1);
  EXPECT_THROW(AdaptiveLimit(semaphore, options), std::invalid_argument);
}

}  // namespace
}  // namespace protifer::concurrency
