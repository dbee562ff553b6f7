// The retry budget's token bucket on its own (no network).
#include "triton/retry_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace protifer::triton {
namespace {

TEST(RetryBudget, OffNeverThrottles) {
  RetryBudget budget(RetryBudgetOptions{0, 0.1});
  EXPECT_FALSE(budget.enabled());
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(budget.OnTransientFailure());
  }
  EXPECT_TRUE(budget.RetryAllowed());
  EXPECT_EQ(budget.tokens(), 0.0);
}

TEST(RetryBudget, DefaultOptionsAreOff) {
  RetryBudget budget{RetryBudgetOptions{}};
  EXPECT_FALSE(budget.enabled());
  EXPECT_TRUE(budget.OnTransientFailure());
}

TEST(RetryBudget, StartsFull) {
  RetryBudget budget(RetryBudgetOptions{10, 0.1});
  EXPECT_TRUE(budget.enabled());
  EXPECT_EQ(budget.tokens(), 10.0);
  EXPECT_TRUE(budget.RetryAllowed());
}

TEST(RetryBudget, EachTransientFailureRemovesOneTokenDownToZero) {
  RetryBudget budget(RetryBudgetOptions{3, 1});
  EXPECT_TRUE(budget.OnTransientFailure());  // 2 > 1.5
  EXPECT_EQ(budget.tokens(), 2.0);
  EXPECT_FALSE(budget.OnTransientFailure());  // 1
  EXPECT_FALSE(budget.OnTransientFailure());  // 0
  EXPECT_EQ(budget.tokens(), 0.0);
  EXPECT_FALSE(budget.OnTransientFailure());
  EXPECT_EQ(budget.tokens(), 0.0) << "the bucket never goes negative";
  budget.OnSuccess();
  EXPECT_EQ(budget.tokens(), 1.0) << "one success after many failures counts from 0";
}

TEST(RetryBudget, ExactlyHalfFullRefusesRetries) {
  RetryBudget budget(RetryBudgetOptions{10, 1});
  for (int expected = 9; expected >= 6; --expected) {
    EXPECT_TRUE(budget.OnTransientFailure()) << expected << " tokens left";
  }
  EXPECT_FALSE(budget.OnTransientFailure());
  EXPECT_EQ(budget.tokens(), 5.0);
  EXPECT_FALSE(budget.RetryAllowed());
  budget.OnSuccess();
  EXPECT_EQ(budget.tokens(), 6.0);
  EXPECT_TRUE(budget.RetryAllowed());
}

TEST(RetryBudget, FractionalHalfIsAlsoExact) {
  RetryBudget budget(RetryBudgetOptions{5, 0.5});  // threshold 2.5
  EXPECT_TRUE(budget.OnTransientFailure());        // 4
  EXPECT_TRUE(budget.OnTransientFailure());        // 3
  EXPECT_FALSE(budget.OnTransientFailure());       // 2
  budget.OnSuccess();
  EXPECT_EQ(budget.tokens(), 2.5);
  EXPECT_FALSE(budget.RetryAllowed());
  budget.OnSuccess();
  EXPECT_TRUE(budget.RetryAllowed());
}

TEST(RetryBudget, SuccessesAddTheRatioWithoutRoundingDrift) {
  RetryBudget budget(RetryBudgetOptions{10, 0.1});
  for (int i = 0; i < 5; ++i) {
    budget.OnTransientFailure();
  }
  EXPECT_FALSE(budget.RetryAllowed());
  // In doubles, 5 plus ten times 0.1 is 5.9999999999999964; in thousandths it is exactly 6.
  for (int i = 0; i < 10; ++i) {
    budget.OnSuccess();
  }
  EXPECT_EQ(budget.tokens(), 6.0);
  EXPECT_TRUE(budget.RetryAllowed());
}

TEST(RetryBudget, SuccessesAreCappedAtMaxTokens) {
  RetryBudget budget(RetryBudgetOptions{10, 0.3});
  budget.OnSuccess();
  EXPECT_EQ(budget.tokens(), 10.0);
  budget.OnTransientFailure();
  for (int i = 0; i < 4; ++i) {
    budget.OnSuccess();  // 9.3, 9.6, 9.9, then capped
  }
  EXPECT_EQ(budget.tokens(), 10.0);
}

TEST(RetryBudget, ConcurrentFailuresEachSeeTheirOwnDecrement) {
  // 800 failures from 8 threads drain 1000 tokens to 200; exactly the decrements that leave
  // more than 500 (999 down to 501) allow a retry. A decrement and a check done separately
  // could let several threads see the same count.
  RetryBudget budget(RetryBudgetOptions{1000, 1});
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (budget.OnTransientFailure()) {
          allowed.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(budget.tokens(), 200.0);
  EXPECT_EQ(allowed.load(), 499);
  threads.clear();
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        budget.OnSuccess();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(budget.tokens(), 400.0);
}

TEST(RetryBudget, RejectsOptionsOutOfRange) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW(RetryBudget(RetryBudgetOptions{-1, 0.1}), std::invalid_argument);
  EXPECT_THROW(RetryBudget(RetryBudgetOptions{nan, 0.1}), std::invalid_argument);
  EXPECT_THROW(RetryBudget(RetryBudgetOptions{inf, 0.1}), std::invalid_argument);
  EXPECT_THROW(RetryBudget(RetryBudgetOptions{10, 0}), std::invalid_argument);
  EXPECT_THROW(RetryBudget(RetryBudgetOptions{10, -1}), std::invalid_argument);
  EXPECT_THROW(RetryBudget(RetryBudgetOptions{10, nan}), std::invalid_argument);
  EXPECT_THROW(RetryBudget(RetryBudgetOptions{10, 0.0004}), std::invalid_argument);
  EXPECT_THROW(RetryBudget(RetryBudgetOptions{10, 10.5}), std::invalid_argument);
  EXPECT_NO_THROW(RetryBudget(RetryBudgetOptions{10, 10}));
  EXPECT_NO_THROW(RetryBudget(RetryBudgetOptions{10, 0.001}));
  EXPECT_NO_THROW(RetryBudget(RetryBudgetOptions{0, nan})) << "the ratio of a budget that is off";
}

}  // namespace
}  // namespace protifer::triton
