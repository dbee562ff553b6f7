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

// A limit driven by hand: its semaphore, a clock the test moves, and the attempts it reports.
struct Driven {
  explicit Driven(std::int64_t capacity, const AdaptiveLimitOptions& options = Options())
      : semaphore(capacity), limit(semaphore, options, clock.Get()) {}

  // Moves the clock, then reports one attempt.
  void Report(milliseconds after, const LimitSample& sample) {
    clock.now += after;
    limit.OnSample(sample);
  }
  // Queues Acquire calls until one waits (the limit is the bottleneck), then reports an unloaded
  // success after `after`.
  void SaturatedWindow(milliseconds after) {
    while (semaphore.waiters() == 0) {
      queued.push_back(semaphore.AcquireFuture());
    }
    Report(after, Sample(milliseconds(100)));
  }

  ManualClock clock;
  FifoSemaphore semaphore;
  AdaptiveLimit limit;
  std::vector<std::future<FifoSemaphore::Permit>> queued;  // released before the semaphore goes
};

TEST(AdaptiveLimit, StartsFromTheSemaphoresCapacityClampedIntoRange) {
  const Driven d(100);
  EXPECT_EQ(d.limit.limit(), 64);
  EXPECT_EQ(d.semaphore.capacity(), 64);
}

TEST(AdaptiveLimit, GrowsBySqrtWhileCallsWaitForPermitsAndLatencyStaysFlat) {
  Driven d(16);
  Saturation saturation(d.semaphore);
  d.Report(milliseconds(0), Sample(milliseconds(100)));
  d.Report(milliseconds(500), Sample(milliseconds(110)));  // closes the window: inflation ~1.05
  EXPECT_EQ(d.limit.limit(), 20);
  EXPECT_EQ(d.semaphore.capacity(), 20);
  // The growth went to the waiter at once.
  EXPECT_EQ(saturation.waiting.wait_for(milliseconds(0)), std::future_status::ready);
}

TEST(AdaptiveLimit, DoesNotGrowWhenNobodyWaits) {
  Driven d(8);
  d.Report(milliseconds(0), Sample(milliseconds(100)));
  d.Report(milliseconds(500), Sample(milliseconds(100)));
  EXPECT_EQ(d.limit.limit(), 8);
}

TEST(AdaptiveLimit, NothingChangesBeforeTheWindowEnds) {
  Driven d(8);
  d.Report(milliseconds(200), Sample(milliseconds(100), Outcome::kTransportDrop));
  d.Report(milliseconds(299), Sample(milliseconds(100)));
  EXPECT_EQ(d.limit.limit(), 8);
  d.Report(milliseconds(1), Sample(milliseconds(100)));
  EXPECT_EQ(d.limit.limit(), 4);
}

TEST(AdaptiveLimit, TransportDropsCutMultiplicativelyOncePerWindow) {
  Driven d(32);
  d.Report(milliseconds(1000), Sample(milliseconds(5), Outcome::kTransportDrop));
  for (int i = 0; i < 9; ++i) {  // one reset failing ten calls at once
    d.Report(milliseconds(0), Sample(milliseconds(5), Outcome::kTransportDrop));
  }
  EXPECT_EQ(d.limit.limit(), 16);
  EXPECT_EQ(d.semaphore.capacity(), 16);
}

TEST(AdaptiveLimit, AnOccasionalDropIsLeftToTheRetry) {
  AdaptiveLimitOptions options = Options();
  options.drop_tolerance = 0.15;
  Driven d(32, options);
  for (int i = 0; i < 9; ++i) {
    d.Report(milliseconds(i == 0 ? 400 : 0), Sample(milliseconds(100)));
  }
  d.Report(milliseconds(0), Sample(milliseconds(5), Outcome::kTransportDrop));  // 1 in 10
  d.Report(milliseconds(100), Sample(milliseconds(100)));
  EXPECT_EQ(d.limit.limit(), 32);
  // The next window opens with a drop: all of its attempts so far.
  d.Report(milliseconds(500), Sample(milliseconds(5), Outcome::kTransportDrop));
  EXPECT_EQ(d.limit.limit(), 16);
}

TEST(AdaptiveLimit, DropsOfCallsStartedBeforeTheLastCutDoNotCutAgain) {
  Driven d(32);
  d.Report(milliseconds(1000), Sample(milliseconds(5), Outcome::kTransportDrop));
  ASSERT_EQ(d.limit.limit(), 16);
  // Started 700 ms ago, before the cut 600 ms ago: sent under the wider limit.
  d.Report(milliseconds(600), Sample(milliseconds(700), Outcome::kTransportDrop));
  EXPECT_EQ(d.limit.limit(), 16);
  // Started after the cut: a new signal.
  d.Report(milliseconds(600), Sample(milliseconds(100), Outcome::kTransportDrop));
  EXPECT_EQ(d.limit.limit(), 8);
}

TEST(AdaptiveLimit, LatencyInflationShrinksAlongTheGradient) {
  Driven d(40);
  Saturation saturation(d.semaphore);
  d.Report(milliseconds(0), Sample(milliseconds(100)));  // the unloaded latency
  d.Report(milliseconds(500), Sample(milliseconds(100)));
  ASSERT_EQ(d.limit.limit(), 46);  // grew: flat latency, calls waiting
  // Inflation 2.5 (after the baseline's 0.5% drift: 2.49) > tolerance 2: limit x 2 / 2.49.
  d.Report(milliseconds(500), Sample(milliseconds(250)));
  EXPECT_NEAR(d.limit.last_inflation(), 2.5, 0.05);
  EXPECT_EQ(d.limit.limit(), 36);
}

TEST(AdaptiveLimit, LatencyIsComparedPerModelAndRequestSize) {
  Driven d(16);
  Saturation saturation(d.semaphore);
  // A fast model and a slow one, short and long requests: all unloaded.
  d.Report(milliseconds(0), Sample(milliseconds(10), Outcome::kSuccess, "seth", 100'000));
  d.Report(milliseconds(0), Sample(milliseconds(400), Outcome::kSuccess, "tmbed", 100'000));
  d.Report(milliseconds(0), Sample(milliseconds(4000), Outcome::kSuccess, "tmbed", 10'000'000));
  d.Report(milliseconds(500), Sample(milliseconds(4100), Outcome::kSuccess, "tmbed", 10'000'000));
  EXPECT_LT(d.limit.last_inflation(), 1.1);
  EXPECT_EQ(d.limit.limit(), 20);  // grew: nothing looked queued
}

TEST(AdaptiveLimit, AfterADropGrowthStaysBelowTheCeilingForTheHold) {
  AdaptiveLimitOptions options = Options();
  options.hold = milliseconds(10000);
  options.max_hold = milliseconds(40000);
  Driven d(16, options);
  d.Report(milliseconds(1000), Sample(milliseconds(5), Outcome::kTransportDrop));  // broke at 16
  ASSERT_EQ(d.limit.limit(), 8);
  d.SaturatedWindow(milliseconds(500));
  EXPECT_EQ(d.limit.limit(), 11);  // 8 + sqrt(8)
  d.SaturatedWindow(milliseconds(500));
  EXPECT_EQ(d.limit.limit(), 14);
  d.SaturatedWindow(milliseconds(500));
  EXPECT_EQ(d.limit.limit(), 15);  // just below the ceiling of 16
  d.SaturatedWindow(milliseconds(500));
  EXPECT_EQ(d.limit.limit(), 15);
  d.SaturatedWindow(milliseconds(10000));  // the hold is over: probing resumes
  EXPECT_EQ(d.limit.limit(), 19);
}

TEST(AdaptiveLimit, ADropAtTheCeilingDoublesTheHold) {
  AdaptiveLimitOptions options = Options();
  options.backoff_ratio = 0.9;
  options.hold = milliseconds(10000);
  options.max_hold = milliseconds(40000);
  Driven d(10, options);
  d.Report(milliseconds(1000), Sample(milliseconds(5), Outcome::kTransportDrop));  // hold 10 s
  ASSERT_EQ(d.limit.limit(), 9);
  d.Report(milliseconds(1000), Sample(milliseconds(5), Outcome::kTransportDrop));  // hold 20 s
  ASSERT_EQ(d.limit.limit(), 8);
  d.SaturatedWindow(milliseconds(15000));  // past a 10 s hold, within the doubled one
  EXPECT_EQ(d.limit.limit(), 8);           // capped below the ceiling of 9
  d.SaturatedWindow(milliseconds(500));
  EXPECT_EQ(d.limit.limit(), 8);
  d.SaturatedWindow(milliseconds(6000));  // 21.5 s after the second drop: probing resumes
  EXPECT_EQ(d.limit.limit(), 11);
}

TEST(AdaptiveLimit, OtherFailuresSayNothing) {
  Driven d(8);
  d.Report(milliseconds(500), Sample(milliseconds(5), Outcome::kOther));
  EXPECT_EQ(d.limit.limit(), 8);
}

TEST(AdaptiveLimit, StaysWithinMinAndMax) {
  Driven small(3);
  for (int i = 0; i < 3; ++i) {
    small.Report(milliseconds(1000), Sample(milliseconds(5), Outcome::kTransportDrop));
  }
  EXPECT_EQ(small.limit.limit(), 2);

  Driven big(60);
  big.SaturatedWindow(milliseconds(500));  // 60 + sqrt(60) = 68, clamped
  EXPECT_EQ(big.limit.limit(), 64);
  EXPECT_EQ(big.semaphore.capacity(), 64);
}

TEST(AdaptiveLimit, ShrinkingRevokesNoHeldPermit) {
  Driven d(8);
  Saturation saturation(d.semaphore);
  d.Report(milliseconds(500), Sample(milliseconds(5), Outcome::kTransportDrop));
  EXPECT_EQ(d.semaphore.capacity(), 4);
  EXPECT_EQ(d.semaphore.in_use(), 8);
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
  const auto rejects = [&semaphore](void (*spoil)(AdaptiveLimitOptions&)) {
    AdaptiveLimitOptions options = Options();
    spoil(options);
    EXPECT_THROW(AdaptiveLimit(semaphore, options), std::invalid_argument);
  };
  rejects([](AdaptiveLimitOptions& o) { o.min_limit = 0; });
  rejects([](AdaptiveLimitOptions& o) { o.max_limit = 1; });
  rejects([](AdaptiveLimitOptions& o) { o.tolerance = 1.0; });
  rejects([](AdaptiveLimitOptions& o) { o.backoff_ratio = 1.0; });
  rejects([](AdaptiveLimitOptions& o) { o.window = milliseconds(0); });
  rejects([](AdaptiveLimitOptions& o) { o.drop_tolerance = 1.0; });
  rejects([](AdaptiveLimitOptions& o) { o.max_hold = o.hold - milliseconds(1); });
}

}  // namespace
}  // namespace protifer::concurrency
