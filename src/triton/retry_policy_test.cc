#include "triton/retry_policy.h"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

namespace protifer::triton {
namespace {

using std::chrono::milliseconds;

TritonError Transient() {
  return TritonError::FromStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "Socket closed"), 1);
}
TritonError Permanent() {
  return TritonError::FromStatus(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad"), 1);
}

TEST(ModelInferRetryPolicy, DefaultsAreProtifers) {
  const RetryOptions defaults;
  EXPECT_EQ(defaults.max_attempts, 3);
  EXPECT_EQ(defaults.base_backoff, milliseconds(100));
}

TEST(ModelInferRetryPolicy, RetriesTransientErrorsUntilTheAttemptBudgetIsSpent) {
  const ModelInferRetryPolicy policy({3, milliseconds(100)});
  EXPECT_TRUE(policy.ShouldRetry(Transient(), 1));
  EXPECT_TRUE(policy.ShouldRetry(Transient(), 2));
  EXPECT_FALSE(policy.ShouldRetry(Transient(), 3));
  EXPECT_FALSE(policy.ShouldRetry(Permanent(), 1));
  const TritonError deadline =
      TritonError::FromStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "x"), 1);
  EXPECT_FALSE(policy.ShouldRetry(deadline, 1));
}

TEST(ModelInferRetryPolicy, OneOrFewerAttemptsDisablesRetry) {
  for (int max_attempts : {1, 0, -5}) {
    const ModelInferRetryPolicy policy({max_attempts, milliseconds(100)});
    EXPECT_EQ(policy.max_attempts(), 1);
    EXPECT_FALSE(policy.ShouldRetry(Transient(), 1)) << max_attempts;
  }
}

TEST(ModelInferRetryPolicy, BackoffIsRoundOfHalfPlusJitteredHalf) {
  const ModelInferRetryPolicy policy({3, milliseconds(100)});
  // After attempt 1, E = 100: [50, 100].
  EXPECT_EQ(policy.BackoffDelay(1, 0.0), milliseconds(50));
  EXPECT_EQ(policy.BackoffDelay(1, 0.5), milliseconds(75));
  EXPECT_EQ(policy.BackoffDelay(1, 0.999999), milliseconds(100));
  // After attempt 2, E = 200: [100, 200].
  EXPECT_EQ(policy.BackoffDelay(2, 0.0), milliseconds(100));
  EXPECT_EQ(policy.BackoffDelay(2, 0.25), milliseconds(125));
  // After attempt 3, E = 400.
  EXPECT_EQ(policy.BackoffDelay(3, 0.5), milliseconds(300));
  // round(), not truncation: base 3 -> E/2 = 1.5, + 0.3 * 1.5 = 1.95 -> 2.
  const ModelInferRetryPolicy odd({3, milliseconds(3)});
  EXPECT_EQ(odd.BackoffDelay(1, 0.3), milliseconds(2));
}

TEST(ModelInferRetryPolicy, BackoffStaysWithinHalfAndFullExponentForRandomDraws) {
  const ModelInferRetryPolicy policy({10, milliseconds(100)});
  std::mt19937_64 engine(12345);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int attempt = 1; attempt <= 6; ++attempt) {
    const long long ceiling = 100LL << (attempt - 1);
    long long lowest = ceiling;
    long long highest = 0;
    for (int i = 0; i < 2000; ++i) {
      const long long delay = policy.BackoffDelay(attempt, uniform(engine)).count();
      ASSERT_GE(delay, ceiling / 2) << attempt;
      ASSERT_LE(delay, ceiling) << attempt;
      lowest = std::min(lowest, delay);
      highest = std::max(highest, delay);
    }
    // The jitter really spreads the delays over the interval.
    EXPECT_LT(lowest, ceiling / 2 + ceiling / 20) << attempt;
    EXPECT_GT(highest, ceiling - ceiling / 20) << attempt;
  }
}

TEST(ModelInferRetryPolicy, OutOfRangeDrawsAreClampedAndHugeAttemptsDoNotOverflow) {
  const ModelInferRetryPolicy policy({3, milliseconds(100)});
  EXPECT_EQ(policy.BackoffDelay(1, -1.0), milliseconds(50));
  EXPECT_EQ(policy.BackoffDelay(1, 7.0), milliseconds(100));
  const milliseconds huge = policy.BackoffDelay(1000, 1.0);
  EXPECT_EQ(huge, milliseconds(100LL << 30));
  EXPECT_EQ(policy.BackoffDelay(0, 0.0), milliseconds(50));
}

TEST(ModelInferRetryPolicy, ZeroBaseMeansImmediateRetryAndNegativeIsRejected) {
  const ModelInferRetryPolicy zero({3, milliseconds(0)});
  EXPECT_EQ(zero.BackoffDelay(2, 0.7), milliseconds(0));
  EXPECT_THROW(ModelInferRetryPolicy({3, milliseconds(-1)}), std::invalid_argument);
}

}  // namespace
}  // namespace protifer::triton
