#include "concurrency/fifo_semaphore.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace protifer::concurrency {
namespace {

using Permit = FifoSemaphore::Permit;

// Collects the permits handed to callbacks so a test decides when each one is released.
class PermitBin {
 public:
  std::function<void(Permit)> Keep(int tag) {
    return [this, tag](Permit permit) {
      std::lock_guard lock(mutex_);
      order_.push_back(tag);
      permits_.push_back(std::move(permit));
    };
  }
  // Releases the oldest kept permit outside the bin's lock (the release may run other callbacks
  // that keep their permits here).
  void ReleaseOldest() {
    Permit permit;
    {
      std::lock_guard lock(mutex_);
      permit = std::move(permits_.front());
      permits_.erase(permits_.begin());
    }
    permit.Release();
  }
  std::vector<int> order() const {
    std::lock_guard lock(mutex_);
    return order_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return permits_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<int> order_;
  std::vector<Permit> permits_;
};

std::string ConstructionError(std::int64_t permits) {
  try {
    FifoSemaphore semaphore(permits);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "no exception";
}

TEST(FifoSemaphoreTest, RejectsNonPositivePermitsWithExactMessage) {
  EXPECT_EQ(ConstructionError(0), "semaphore permits must be a positive integer, got 0");
  EXPECT_EQ(ConstructionError(-1), "semaphore permits must be a positive integer, got -1");
  EXPECT_EQ(ConstructionError(1), "no exception");
}

TEST(FifoSemaphoreTest, GrantsTwoImmediatelyThenQueuesThirdUntilRelease) {
  FifoSemaphore semaphore(2);
  PermitBin bin;
  semaphore.Acquire(bin.Keep(1));
  semaphore.Acquire(bin.Keep(2));
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2}));  // granted on this thread, before returning
  EXPECT_EQ(semaphore.available(), 0);

  semaphore.Acquire(bin.Keep(3));
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2}));
  EXPECT_EQ(semaphore.waiters(), 1u);

  bin.ReleaseOldest();
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(semaphore.available(), 0);  // handed over, not credited
  EXPECT_EQ(semaphore.in_use(), 2);

  bin.ReleaseOldest();
  bin.ReleaseOldest();
  EXPECT_EQ(semaphore.available(), 2);
  EXPECT_EQ(semaphore.in_use(), 0);
}

TEST(FifoSemaphoreTest, HandsOffToWaitersInFifoOrder) {
  FifoSemaphore semaphore(1);
  PermitBin bin;
  for (int tag = 0; tag < 6; ++tag) {
    semaphore.Acquire(bin.Keep(tag));
  }
  EXPECT_EQ(semaphore.waiters(), 5u);
  for (int released = 1; released < 6; ++released) {
    bin.ReleaseOldest();
    EXPECT_EQ(semaphore.in_use(), 1);
    EXPECT_EQ(semaphore.available(), 0);
  }
  bin.ReleaseOldest();
  EXPECT_EQ(bin.order(), (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(semaphore.available(), 1);
}

TEST(FifoSemaphoreTest, NewcomerDoesNotOvertakeWaiterAfterRelease) {
  FifoSemaphore semaphore(1);
  PermitBin bin;
  semaphore.Acquire(bin.Keep(1));
  semaphore.Acquire(bin.Keep(2));
  bin.ReleaseOldest();  // goes to 2, not to the free pool
  semaphore.Acquire(bin.Keep(3));
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2}));
  EXPECT_EQ(semaphore.waiters(), 1u);
  bin.ReleaseOldest();
  bin.ReleaseOldest();
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2, 3}));
}

// Eight threads enqueue concurrently with hand-offs running on a releaser thread. A ticket is taken
// in the same critical section as the Acquire call, so ticket order is enqueue order; with one
// permit, grants are serialised and their recorded order is the grant order.
TEST(FifoSemaphoreTest, GrantOrderEqualsEnqueueOrderUnderContention) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2000;
  constexpr int kTotal = kThreads * kPerThread;
  FifoSemaphore semaphore(1);

  std::mutex enqueue_mutex;
  int next_ticket = 0;
  std::mutex held_mutex;
  std::vector<int> grant_order;
  std::optional<Permit> held;
  std::atomic<int> granted{0};
  std::atomic<int> max_waiters_seen{0};

  std::vector<std::thread> producers;
  producers.reserve(kThreads);
  producers.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        std::lock_guard lock(enqueue_mutex);
        const int ticket = next_ticket++;
        semaphore.Acquire([&, ticket](Permit permit) {
          std::lock_guard held_lock(held_mutex);
          grant_order.push_back(ticket);
          EXPECT_FALSE(held.has_value());
          held.emplace(std::move(permit));
          granted.fetch_add(1);
        });
        const int waiting = static_cast<int>(semaphore.waiters());
        int seen = max_waiters_seen.load();
        while (waiting > seen && !max_waiters_seen.compare_exchange_weak(seen, waiting)) {
        }
      }
    });
  }
  std::thread releaser([&] {
    int released = 0;
    while (released < kTotal) {
      std::optional<Permit> permit;
      {
        std::lock_guard lock(held_mutex);
        permit.swap(held);
      }
      if (permit.has_value()) {
        permit->Release();  // may run the next waiter's callback on this thread
        ++released;
      } else {
        std::this_thread::yield();
      }
    }
  });
  for (auto& producer : producers) {
    producer.join();
  }
  releaser.join();

  std::vector<int> expected(kTotal);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(granted.load(), kTotal);
  EXPECT_EQ(grant_order, expected);
  EXPECT_GT(max_waiters_seen.load(), 0);  // the test really queued, not only immediate grants
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.available(), 1);
}

TEST(FifoSemaphoreTest, DoubleReleaseDoesNotOverCredit) {
  FifoSemaphore semaphore(2);
  Permit permit = semaphore.AcquireFuture().get();
  EXPECT_TRUE(permit.held());
  permit.Release();
  EXPECT_FALSE(permit.held());
  permit.Release();
  EXPECT_EQ(semaphore.available(), 2);
  EXPECT_EQ(semaphore.in_use(), 0);

  // With waiters: a second release must not hand a second permit over.
  FifoSemaphore single(1);
  Permit first = single.AcquireFuture().get();
  PermitBin bin;
  single.Acquire(bin.Keep(1));
  single.Acquire(bin.Keep(2));
  first.Release();
  first.Release();
  EXPECT_EQ(bin.order(), (std::vector<int>{1}));
  EXPECT_EQ(single.waiters(), 1u);
  EXPECT_EQ(single.in_use(), 1);
  bin.ReleaseOldest();
  bin.ReleaseOldest();
}

TEST(FifoSemaphoreTest, ConcurrentReleaseOfOnePermitReleasesOnce) {
  FifoSemaphore semaphore(1);
  for (int round = 0; round < 200; ++round) {
    Permit permit = semaphore.AcquireFuture().get();
    std::thread other([&] { permit.Release(); });
    permit.Release();
    other.join();
    ASSERT_EQ(semaphore.in_use(), 0);
    ASSERT_EQ(semaphore.available(), 1);
  }
}

TEST(FifoSemaphoreTest, MovedFromPermitReleaseIsNoop) {
  FifoSemaphore semaphore(2);
  Permit original = semaphore.AcquireFuture().get();
  Permit moved(std::move(original));
  EXPECT_FALSE(original.held());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_TRUE(moved.held());
  original.Release();  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(semaphore.in_use(), 1);

  // Move assignment releases what the target held and takes over the source.
  Permit other = semaphore.AcquireFuture().get();
  EXPECT_EQ(semaphore.in_use(), 2);
  other = std::move(moved);
  EXPECT_EQ(semaphore.in_use(), 1);
  EXPECT_FALSE(moved.held());  // NOLINT(bugprone-use-after-move)
  other.Release();
  EXPECT_EQ(semaphore.in_use(), 0);

  Permit empty;
  EXPECT_FALSE(empty.held());
  empty.Release();
  EXPECT_EQ(semaphore.available(), 2);
}

TEST(FifoSemaphoreTest, DestructorReleasesPermit) {
  FifoSemaphore semaphore(1);
  PermitBin bin;
  {
    Permit permit = semaphore.AcquireFuture().get();
    semaphore.Acquire(bin.Keep(7));
    EXPECT_TRUE(bin.order().empty());
  }
  EXPECT_EQ(bin.order(), (std::vector<int>{7}));
  bin.ReleaseOldest();
  EXPECT_EQ(semaphore.available(), 1);
}

TEST(FifoSemaphoreTest, ThrowingHolderOnImmediateGrantLeaksNothing) {
  FifoSemaphore semaphore(2);
  EXPECT_THROW(semaphore.Acquire([](Permit) { throw std::runtime_error("holder failed"); }),
               std::runtime_error);
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.available(), 2);

  // A blocking holder that throws while holding: RAII gives the permit back.
  try {
    Permit permit = semaphore.AcquireFuture().get();
    EXPECT_EQ(semaphore.in_use(), 1);
    throw std::runtime_error("work failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(semaphore.in_use(), 0);
}

TEST(FifoSemaphoreTest, ThrowingWaiterPropagatesToReleaserAndNextWaiterIsServed) {
  FifoSemaphore semaphore(1);
  Permit first = semaphore.AcquireFuture().get();
  bool throwing_waiter_ran = false;
  semaphore.Acquire([&](Permit) {
    throwing_waiter_ran = true;
    throw std::runtime_error("waiter failed");
  });
  PermitBin bin;
  semaphore.Acquire(bin.Keep(2));

  EXPECT_THROW(first.Release(), std::runtime_error);
  EXPECT_TRUE(throwing_waiter_ran);
  EXPECT_FALSE(first.held());
  // The throwing waiter's permit was released by unwinding and handed to the next waiter before
  // the exception reached us.
  EXPECT_EQ(bin.order(), (std::vector<int>{2}));
  EXPECT_EQ(semaphore.in_use(), 1);
  bin.ReleaseOldest();
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.available(), 1);
}

TEST(FifoSemaphoreDeathTest, SecondExceptionInOneDeliveryTerminates) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        FifoSemaphore semaphore(1);
        Permit first = semaphore.AcquireFuture().get();
        semaphore.Acquire([](Permit) { throw std::runtime_error("one"); });
        semaphore.Acquire([](Permit) { throw std::runtime_error("two"); });
        first.Release();
      },
      "");
}

TEST(FifoSemaphoreTest, BoundIsNeverExceededUnderStress) {
  constexpr std::int64_t kCapacity = 3;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 1500;
  FifoSemaphore semaphore(kCapacity);
  std::atomic<int> holders{0};
  std::atomic<int> max_holders{0};
  std::atomic<int> grants{0};

  auto enter = [&] {
    const int now = holders.fetch_add(1) + 1;
    int seen = max_holders.load();
    while (now > seen && !max_holders.compare_exchange_weak(seen, now)) {
    }
    grants.fetch_add(1);
  };
  // Every holder leaves before its permit is released, so `holders` never lags behind reality.
  auto leave = [&](Permit& permit) {
    holders.fetch_sub(1);
    permit.Release();
  };

  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if ((i + t) % 2 == 0) {
          // Blocking style.
          Permit permit = semaphore.AcquireFuture().get();
          enter();
          std::this_thread::yield();
          leave(permit);
        } else {
          // Callback style: released inside the callback, on whichever thread granted it.
          // Shared so the promise outlives set_value even if this thread wakes up first.
          auto done = std::make_shared<std::promise<void>>();
          std::future<void> done_future = done->get_future();
          semaphore.Acquire([&, done](Permit permit) {
            enter();
            leave(permit);
            done->set_value();
          });
          done_future.wait();
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }

  EXPECT_LE(max_holders.load(), kCapacity);
  EXPECT_GE(max_holders.load(), 1);
  EXPECT_EQ(grants.load(), kThreads * kPerThread);
  EXPECT_EQ(holders.load(), 0);
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.available(), kCapacity);
}

// 100k waiters whose callbacks release at once: each release hands over to the next waiter. Done
// recursively this would need 100k nested frames; the callbacks must instead run one after the
// other at the same depth.
TEST(FifoSemaphoreTest, LongHandOffChainRunsInConstantStackDepth) {
  constexpr int kWaiters = 100'000;
  FifoSemaphore semaphore(1);
  Permit first = semaphore.AcquireFuture().get();

  int callback_depth = 0;
  int max_callback_depth = 0;
  int next_expected = 0;
  int out_of_order = 0;
  for (int i = 0; i < kWaiters; ++i) {
    semaphore.Acquire([&, i](Permit permit) {
      ++callback_depth;
      max_callback_depth = std::max(max_callback_depth, callback_depth);
      if (i != next_expected) {
        ++out_of_order;
      }
      ++next_expected;
      if (i % 2 == 0) {
        permit.Release();  // odd ones release by destruction at return
      }
      --callback_depth;
    });
  }
  EXPECT_EQ(semaphore.waiters(), static_cast<std::size_t>(kWaiters));
  first.Release();

  EXPECT_EQ(next_expected, kWaiters);
  EXPECT_EQ(out_of_order, 0);
  EXPECT_EQ(max_callback_depth, 1);
  EXPECT_EQ(semaphore.waiters(), 0u);
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.available(), 1);
}

TEST(FifoSemaphoreTest, AcquireInsideCallbackIsGrantedImmediatelyWhenFree) {
  FifoSemaphore semaphore(2);
  std::vector<std::string> events;
  semaphore.Acquire([&](Permit outer) {
    events.push_back("outer");
    semaphore.Acquire([&](Permit) { events.push_back("inner"); });
    events.push_back("after inner acquire");
    EXPECT_EQ(semaphore.in_use(), 1);
    outer.Release();
  });
  EXPECT_EQ(events, (std::vector<std::string>{"outer", "inner", "after inner acquire"}));
  EXPECT_EQ(semaphore.in_use(), 0);
}

TEST(FifoSemaphoreTest, ReportsWaitersAndInUse) {
  FifoSemaphore semaphore(2);
  EXPECT_EQ(semaphore.capacity(), 2);
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.waiters(), 0u);
  EXPECT_EQ(semaphore.available(), 2);

  PermitBin bin;
  semaphore.Acquire(bin.Keep(1));
  EXPECT_EQ(semaphore.in_use(), 1);
  EXPECT_EQ(semaphore.available(), 1);
  semaphore.Acquire(bin.Keep(2));
  semaphore.Acquire(bin.Keep(3));
  semaphore.Acquire(bin.Keep(4));
  EXPECT_EQ(semaphore.in_use(), 2);
  EXPECT_EQ(semaphore.waiters(), 2u);
  EXPECT_EQ(semaphore.available(), 0);

  bin.ReleaseOldest();
  EXPECT_EQ(semaphore.in_use(), 2);
  EXPECT_EQ(semaphore.waiters(), 1u);
  bin.ReleaseOldest();
  EXPECT_EQ(semaphore.waiters(), 0u);
  bin.ReleaseOldest();
  EXPECT_EQ(semaphore.in_use(), 1);
  EXPECT_EQ(semaphore.available(), 1);
  bin.ReleaseOldest();
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.capacity(), 2);
}

TEST(FifoSemaphoreTest, RejectsEmptyCallback) {
  FifoSemaphore semaphore(1);
  EXPECT_THROW(semaphore.Acquire(nullptr), std::invalid_argument);
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.waiters(), 0u);
}

TEST(FifoSemaphoreTest, DroppedFutureReleasesItsPermitWhenGranted) {
  FifoSemaphore semaphore(1);
  Permit first = semaphore.AcquireFuture().get();
  { auto dropped = semaphore.AcquireFuture(); }
  PermitBin bin;
  semaphore.Acquire(bin.Keep(1));
  EXPECT_EQ(semaphore.waiters(), 2u);
  first.Release();  // to the dropped future, whose permit is freed and handed on
  EXPECT_EQ(bin.order(), (std::vector<int>{1}));
  bin.ReleaseOldest();
  EXPECT_EQ(semaphore.in_use(), 0);
}

TEST(FifoSemaphoreTest, PermitReleasedOnAnotherThreadWakesBlockedWaiter) {
  FifoSemaphore semaphore(1);
  Permit first = semaphore.AcquireFuture().get();
  std::future<Permit> waiting = semaphore.AcquireFuture();
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  std::thread releaser([&] { first.Release(); });
  Permit second = waiting.get();
  releaser.join();
  EXPECT_TRUE(second.held());
  EXPECT_EQ(semaphore.in_use(), 1);
}

TEST(FifoSemaphoreTest, GrowingCapacityGrantsWaitersInFifoOrder) {
  FifoSemaphore semaphore(1);
  PermitBin bin;
  for (int tag = 0; tag < 5; ++tag) {
    semaphore.Acquire(bin.Keep(tag));
  }
  EXPECT_EQ(bin.order(), (std::vector<int>{0}));

  semaphore.SetCapacity(3);
  EXPECT_EQ(bin.order(), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(semaphore.capacity(), 3);
  EXPECT_EQ(semaphore.in_use(), 3);
  EXPECT_EQ(semaphore.waiters(), 2u);

  semaphore.SetCapacity(10);
  EXPECT_EQ(bin.order(), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(semaphore.available(), 5);
  while (bin.size() > 0) {
    bin.ReleaseOldest();
  }
  EXPECT_EQ(semaphore.available(), 10);
}

TEST(FifoSemaphoreTest, ShrinkingCapacityRevokesNothingAndStopsGrantingUntilUnder) {
  FifoSemaphore semaphore(3);
  PermitBin bin;
  for (int tag = 0; tag < 5; ++tag) {
    semaphore.Acquire(bin.Keep(tag));
  }
  EXPECT_EQ(semaphore.in_use(), 3);

  semaphore.SetCapacity(1);
  EXPECT_EQ(semaphore.in_use(), 3);  // nothing revoked
  EXPECT_EQ(bin.size(), 3u);
  EXPECT_EQ(semaphore.available(), 0);

  bin.ReleaseOldest();  // 3 -> 2 in use: still over capacity, no hand-off
  EXPECT_EQ(semaphore.in_use(), 2);
  EXPECT_EQ(semaphore.waiters(), 2u);
  bin.ReleaseOldest();  // 2 -> 1: at capacity, still no hand-off
  EXPECT_EQ(semaphore.in_use(), 1);
  EXPECT_EQ(semaphore.waiters(), 2u);
  bin.ReleaseOldest();  // now a release leaves room: handed to waiter 3
  EXPECT_EQ(semaphore.in_use(), 1);
  EXPECT_EQ(semaphore.waiters(), 1u);
  EXPECT_EQ(bin.order(), (std::vector<int>{0, 1, 2, 3}));
  bin.ReleaseOldest();
  bin.ReleaseOldest();
  EXPECT_EQ(bin.order(), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.available(), 1);
}

TEST(FifoSemaphoreTest, SetCapacityRejectsNonPositive) {
  FifoSemaphore semaphore(2);
  try {
    semaphore.SetCapacity(0);
    ADD_FAILURE() << "SetCapacity(0) did not throw";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "semaphore permits must be a positive integer, got 0");
  }
  EXPECT_EQ(semaphore.capacity(), 2);
}

// ---- Byte bound ---------------------------------------------------------------------------

void ReleaseAll(PermitBin& bin) {
  while (bin.size() > 0) {
    bin.ReleaseOldest();
  }
}

std::string ByteLimitConstructionError(std::int64_t max_bytes) {
  try {
    FifoSemaphore semaphore(4, max_bytes);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "no exception";
}

TEST(FifoSemaphoreBytesTest, RejectsInvalidByteArgumentsWithClearMessages) {
  EXPECT_EQ(ByteLimitConstructionError(-1),
            "semaphore byte limit must be >= 0 (0 = unbounded), got -1");
  EXPECT_EQ(ByteLimitConstructionError(0), "no exception");
  EXPECT_EQ(ByteLimitConstructionError(1), "no exception");
  EXPECT_THROW(FifoSemaphore(0, 100), std::invalid_argument);

  FifoSemaphore semaphore(2, 100);
  try {
    semaphore.SetByteLimit(-5);
    ADD_FAILURE() << "SetByteLimit(-5) did not throw";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "semaphore byte limit must be >= 0 (0 = unbounded), got -5");
  }
  EXPECT_EQ(semaphore.byte_limit(), 100);

  bool called = false;
  try {
    semaphore.Acquire([&](Permit) { called = true; }, -1);
    ADD_FAILURE() << "Acquire with -1 bytes did not throw";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "FifoSemaphore::Acquire bytes must be >= 0, got -1");
  }
  EXPECT_THROW(semaphore.AcquireFuture(-7), std::invalid_argument);
  EXPECT_FALSE(called);
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.bytes_in_use(), 0);
  EXPECT_EQ(semaphore.waiters(), 0u);
}

TEST(FifoSemaphoreBytesTest, AdmitsBytesUpToTheLimitThenQueuesTheNextCall) {
  FifoSemaphore semaphore(10, 100);
  EXPECT_EQ(semaphore.byte_limit(), 100);
  PermitBin bin;
  semaphore.Acquire(bin.Keep(1), 40);
  semaphore.Acquire(bin.Keep(2), 60);  // exactly at the limit: still admitted
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2}));
  EXPECT_EQ(semaphore.bytes_in_use(), 100);
  EXPECT_EQ(semaphore.in_use(), 2);

  semaphore.Acquire(bin.Keep(3), 1);  // a permit is free, the bytes are not
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2}));
  EXPECT_EQ(semaphore.waiters(), 1u);
  EXPECT_EQ(semaphore.in_use(), 2);
  EXPECT_EQ(semaphore.bytes_in_use(), 100);
  EXPECT_EQ(semaphore.available(), 0);  // somebody waits

  ReleaseAll(bin);
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(semaphore.bytes_in_use(), 0);
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.available(), 10);
}

TEST(FifoSemaphoreBytesTest, ReleasingBytesGrantsTheWaiterOnceItFits) {
  FifoSemaphore semaphore(10, 100);
  PermitBin bin;
  semaphore.Acquire(bin.Keep(1), 30);
  semaphore.Acquire(bin.Keep(2), 60);
  semaphore.Acquire(bin.Keep(3), 50);
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2}));

  bin.ReleaseOldest();  // 60 + 50 > 100: not yet
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2}));
  EXPECT_EQ(semaphore.bytes_in_use(), 60);
  EXPECT_EQ(semaphore.waiters(), 1u);

  bin.ReleaseOldest();  // now it fits
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(semaphore.bytes_in_use(), 50);
  EXPECT_EQ(semaphore.in_use(), 1);
  EXPECT_EQ(semaphore.waiters(), 0u);
  ReleaseAll(bin);
  EXPECT_EQ(semaphore.bytes_in_use(), 0);
}

TEST(FifoSemaphoreBytesTest, PermitCarriesItsBytesThroughMoves) {
  FifoSemaphore semaphore(4, 100);
  Permit permit = semaphore.AcquireFuture(30).get();
  EXPECT_EQ(permit.bytes(), 30);
  Permit moved(std::move(permit));
  EXPECT_EQ(moved.bytes(), 30);
  EXPECT_EQ(permit.bytes(), 0);  // NOLINT(bugprone-use-after-move): the point of the test

  // Move assignment releases the target's 20 bytes and takes over the source's 30.
  Permit target = semaphore.AcquireFuture(20).get();
  EXPECT_EQ(semaphore.bytes_in_use(), 50);
  target = std::move(moved);
  EXPECT_EQ(target.bytes(), 30);
  EXPECT_EQ(semaphore.bytes_in_use(), 30);
  EXPECT_EQ(semaphore.in_use(), 1);
  target.Release();
  EXPECT_EQ(target.bytes(), 0);
  EXPECT_EQ(semaphore.bytes_in_use(), 0);
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(Permit().bytes(), 0);
}

TEST(FifoSemaphoreBytesTest, ConcurrentReleaseOfOneWeightedPermitReleasesItsBytesOnce) {
  FifoSemaphore semaphore(2, 100);
  for (int round = 0; round < 200; ++round) {
    Permit other_permit = semaphore.AcquireFuture(10).get();
    Permit permit = semaphore.AcquireFuture(40).get();
    std::thread other([&] { permit.Release(); });
    permit.Release();
    other.join();
    ASSERT_EQ(semaphore.in_use(), 1);
    ASSERT_EQ(semaphore.bytes_in_use(), 10);
    other_permit.Release();
    ASSERT_EQ(semaphore.bytes_in_use(), 0);
  }
}

// Strict FIFO across both bounds: the head waiter that does not fit blocks the queue, even for a
// smaller call behind it that would fit, so the big call cannot be starved by small ones.
TEST(FifoSemaphoreBytesTest, BigHeadWaiterBlocksSmallerOneBehindItThatWouldFit) {
  FifoSemaphore semaphore(10, 100);
  PermitBin bin;
  semaphore.Acquire(bin.Keep(1), 70);
  semaphore.Acquire(bin.Keep(2), 50);  // 120 > 100: waits
  semaphore.Acquire(bin.Keep(3), 10);  // 80 <= 100 would fit, but 2 is ahead
  semaphore.Acquire(bin.Keep(4), 0);   // even a weightless call queues
  EXPECT_EQ(bin.order(), (std::vector<int>{1}));
  EXPECT_EQ(semaphore.waiters(), 3u);
  EXPECT_EQ(semaphore.bytes_in_use(), 70);

  bin.ReleaseOldest();  // one release lets all three in, in order
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(semaphore.bytes_in_use(), 60);
  EXPECT_EQ(semaphore.in_use(), 3);
  EXPECT_EQ(semaphore.waiters(), 0u);
  ReleaseAll(bin);
}

TEST(FifoSemaphoreBytesTest, OversizedCallRunsAloneOnceEverythingIsReleased) {
  FifoSemaphore semaphore(10, 100);
  PermitBin bin;
  semaphore.Acquire(bin.Keep(1), 30);
  semaphore.Acquire(bin.Keep(2), 30);
  semaphore.Acquire(bin.Keep(3), 250);  // larger than the limit
  semaphore.Acquire(bin.Keep(4), 5);
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2}));

  bin.ReleaseOldest();  // 30 still in use: the oversized call keeps waiting
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2}));
  EXPECT_EQ(semaphore.waiters(), 2u);

  bin.ReleaseOldest();  // nothing in use: it runs, alone
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(semaphore.in_use(), 1);
  EXPECT_EQ(semaphore.bytes_in_use(), 250);
  EXPECT_EQ(semaphore.waiters(), 1u);

  semaphore.Acquire(bin.Keep(5), 0);  // nothing, not even a weightless call, runs beside it
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(semaphore.waiters(), 2u);
  EXPECT_EQ(semaphore.in_use(), 1);

  bin.ReleaseOldest();
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(semaphore.bytes_in_use(), 5);
  ReleaseAll(bin);
  EXPECT_EQ(semaphore.bytes_in_use(), 0);

  // On an idle semaphore an oversized call is granted at once, and still runs alone.
  semaphore.Acquire(bin.Keep(6), 1000);
  semaphore.Acquire(bin.Keep(7), 1);
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(semaphore.waiters(), 1u);
  ReleaseAll(bin);
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.bytes_in_use(), 0);
}

TEST(FifoSemaphoreBytesTest, OneReleaseGrantsSeveralWaitersInFifoOrder) {
  FifoSemaphore semaphore(10, 100);
  PermitBin bin;
  semaphore.Acquire(bin.Keep(0), 100);
  semaphore.Acquire(bin.Keep(1), 20);
  semaphore.Acquire(bin.Keep(2), 30);
  semaphore.Acquire(bin.Keep(3), 40);
  semaphore.Acquire(bin.Keep(4), 50);  // 20 + 30 + 40 + 50 > 100: stays queued
  semaphore.Acquire(bin.Keep(5), 1);   // would fit, but behind 4
  EXPECT_EQ(bin.order(), (std::vector<int>{0}));

  bin.ReleaseOldest();
  EXPECT_EQ(bin.order(), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(semaphore.bytes_in_use(), 90);
  EXPECT_EQ(semaphore.in_use(), 3);
  EXPECT_EQ(semaphore.waiters(), 2u);

  bin.ReleaseOldest();  // 70 + 50 > 100
  EXPECT_EQ(semaphore.waiters(), 2u);
  bin.ReleaseOldest();  // 40 + 50 + 1 <= 100
  EXPECT_EQ(bin.order(), (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(semaphore.bytes_in_use(), 91);
  ReleaseAll(bin);
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.bytes_in_use(), 0);
}

// The several grants of one release made inside a callback are parked and delivered one after the
// other once that callback returns, like a single hand-off.
TEST(FifoSemaphoreBytesTest, SeveralGrantsFromAReleaseInsideACallbackRunAfterItReturns) {
  FifoSemaphore semaphore(10, 100);
  Permit first = semaphore.AcquireFuture(100).get();
  std::vector<std::string> events;
  int depth = 0;
  int max_depth = 0;
  semaphore.Acquire(
      [&](Permit permit) {
        ++depth;
        max_depth = std::max(max_depth, depth);
        events.push_back("big");
        permit.Release();
        events.push_back("big released");
        --depth;
      },
      100);
  for (const char* name : {"a", "b", "c"}) {
    semaphore.Acquire(
        [&, name](Permit) {
          ++depth;
          max_depth = std::max(max_depth, depth);
          events.emplace_back(name);
          --depth;
        },
        30);
  }
  first.Release();
  EXPECT_EQ(events, (std::vector<std::string>{"big", "big released", "a", "b", "c"}));
  EXPECT_EQ(max_depth, 1);
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.bytes_in_use(), 0);
}

TEST(FifoSemaphoreBytesTest, GrowingByteLimitGrantsWaitersAndShrinkingRevokesNothing) {
  FifoSemaphore semaphore(10, 50);
  PermitBin bin;
  semaphore.Acquire(bin.Keep(0), 50);
  semaphore.Acquire(bin.Keep(1), 30);
  semaphore.Acquire(bin.Keep(2), 30);
  semaphore.Acquire(bin.Keep(3), 30);
  EXPECT_EQ(bin.order(), (std::vector<int>{0}));

  semaphore.SetByteLimit(110);
  EXPECT_EQ(semaphore.byte_limit(), 110);
  EXPECT_EQ(bin.order(), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(semaphore.bytes_in_use(), 110);
  EXPECT_EQ(semaphore.waiters(), 1u);

  semaphore.SetByteLimit(40);
  EXPECT_EQ(semaphore.byte_limit(), 40);
  EXPECT_EQ(bin.size(), 3u);  // nothing revoked
  EXPECT_EQ(semaphore.in_use(), 3);
  EXPECT_EQ(semaphore.bytes_in_use(), 110);

  bin.ReleaseOldest();  // 60 in use, over the new limit
  EXPECT_EQ(semaphore.waiters(), 1u);
  bin.ReleaseOldest();  // 30 + 30 > 40
  EXPECT_EQ(semaphore.waiters(), 1u);
  EXPECT_EQ(semaphore.bytes_in_use(), 30);
  bin.ReleaseOldest();
  EXPECT_EQ(bin.order(), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(semaphore.bytes_in_use(), 30);
  EXPECT_EQ(semaphore.waiters(), 0u);
  ReleaseAll(bin);
  EXPECT_EQ(semaphore.bytes_in_use(), 0);
}

TEST(FifoSemaphoreBytesTest, ZeroByteLimitIsUnbounded) {
  FifoSemaphore semaphore(2);
  EXPECT_EQ(semaphore.byte_limit(), 0);
  PermitBin bin;
  constexpr std::int64_t kHuge = std::int64_t{1} << 50;
  semaphore.Acquire(bin.Keep(1), kHuge);
  semaphore.Acquire(bin.Keep(2), kHuge);
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2}));
  EXPECT_EQ(semaphore.bytes_in_use(), 2 * kHuge);  // still counted
  semaphore.Acquire(bin.Keep(3), 1);               // waits for a permit, not for bytes
  EXPECT_EQ(semaphore.waiters(), 1u);
  bin.ReleaseOldest();
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2, 3}));
  ReleaseAll(bin);

  // Removing a bound grants the waiters it held back; setting one again counts the calls already
  // in flight.
  FifoSemaphore bounded(10, 100);
  bounded.Acquire(bin.Keep(10), 100);
  bounded.Acquire(bin.Keep(11), 60);
  bounded.Acquire(bin.Keep(12), 70);
  EXPECT_EQ(bounded.waiters(), 2u);
  bounded.SetByteLimit(0);
  EXPECT_EQ(bounded.waiters(), 0u);
  EXPECT_EQ(bounded.bytes_in_use(), 230);
  bounded.SetByteLimit(100);
  bounded.Acquire(bin.Keep(13), 1);
  EXPECT_EQ(bounded.waiters(), 1u);
  ReleaseAll(bin);
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2, 3, 10, 11, 12, 13}));
  EXPECT_EQ(bounded.bytes_in_use(), 0);
}

// Unbounded still means the sum of weights stays representable: a call that would overflow it
// waits until nothing is in use, like an oversized one.
TEST(FifoSemaphoreBytesTest, UnboundedWeightsNeverOverflowTheSum) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  FifoSemaphore semaphore(4);
  PermitBin bin;
  semaphore.Acquire(bin.Keep(1), kMax);
  semaphore.Acquire(bin.Keep(2), 1);
  EXPECT_EQ(bin.order(), (std::vector<int>{1}));
  EXPECT_EQ(semaphore.bytes_in_use(), kMax);
  bin.ReleaseOldest();
  EXPECT_EQ(bin.order(), (std::vector<int>{1, 2}));
  EXPECT_EQ(semaphore.bytes_in_use(), 1);
  ReleaseAll(bin);
}

// Threads acquire random weights (some larger than the limit) with both styles while another
// thread keeps moving the byte limit between 60 and 100. Holders register inside their callback
// and deregister before releasing, so the registered set is a subset of what the semaphore counts
// as in use: it must never exceed 100 bytes unless it is a single call, and never exceed the
// permits.
TEST(FifoSemaphoreBytesTest, ByteBoundIsNeverExceededUnderStress) {
  constexpr std::int64_t kCapacity = 4;
  constexpr std::int64_t kMaxLimit = 100;
  constexpr int kThreads = 6;
  constexpr int kPerThread = 1000;
  constexpr int kTotal = kThreads * kPerThread;
  FifoSemaphore semaphore(kCapacity, kMaxLimit);

  std::mutex state_mutex;
  std::int64_t holders = 0;
  std::int64_t held_bytes = 0;
  int violations = 0;
  int oversized_runs = 0;
  std::int64_t max_holders = 0;
  std::vector<std::atomic<int>> grants(kTotal);
  std::atomic<int> wrong_weight{0};

  auto enter = [&](int id, std::int64_t bytes, const Permit& permit) {
    grants[static_cast<std::size_t>(id)].fetch_add(1);
    if (permit.bytes() != bytes || !permit.held()) {
      wrong_weight.fetch_add(1);
    }
    std::lock_guard lock(state_mutex);
    ++holders;
    held_bytes += bytes;
    max_holders = std::max(max_holders, holders);
    if ((held_bytes > kMaxLimit && holders != 1) || holders > kCapacity) {
      ++violations;
    }
    if (bytes > kMaxLimit) {
      ++oversized_runs;
    }
  };
  auto leave = [&](std::int64_t bytes, Permit& permit) {
    {
      std::lock_guard lock(state_mutex);
      --holders;
      held_bytes -= bytes;
    }
    permit.Release();
  };

  std::atomic<bool> stop{false};
  std::thread limiter([&] {
    bool low = false;
    while (!stop.load()) {
      semaphore.SetByteLimit(low ? 60 : kMaxLimit);
      low = !low;
      std::this_thread::yield();
    }
    semaphore.SetByteLimit(kMaxLimit);
  });

  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<std::mt19937::result_type>(t + 1));
      std::uniform_int_distribution<std::int64_t> small(0, 60);
      std::uniform_int_distribution<std::int64_t> large(kMaxLimit + 1, 3 * kMaxLimit);
      std::uniform_int_distribution<int> pick(0, 19);
      for (int i = 0; i < kPerThread; ++i) {
        const int id = t * kPerThread + i;
        const std::int64_t bytes = pick(random) == 0 ? large(random) : small(random);
        if (i % 2 == 0) {
          Permit permit = semaphore.AcquireFuture(bytes).get();
          enter(id, bytes, permit);
          std::this_thread::yield();
          leave(bytes, permit);
        } else {
          auto done = std::make_shared<std::promise<void>>();
          std::future<void> done_future = done->get_future();
          semaphore.Acquire(
              [&, done, id, bytes](Permit permit) {
                enter(id, bytes, permit);
                leave(bytes, permit);
                done->set_value();
              },
              bytes);
          done_future.wait();
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  stop.store(true);
  limiter.join();

  EXPECT_EQ(violations, 0);
  EXPECT_EQ(wrong_weight.load(), 0);
  EXPECT_GT(oversized_runs, 0);
  EXPECT_GE(max_holders, 1);
  int not_exactly_once = 0;
  for (const auto& count : grants) {
    if (count.load() != 1) {
      ++not_exactly_once;
    }
  }
  EXPECT_EQ(not_exactly_once, 0);
  EXPECT_EQ(holders, 0);
  EXPECT_EQ(held_bytes, 0);
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.bytes_in_use(), 0);
  EXPECT_EQ(semaphore.waiters(), 0u);
  EXPECT_EQ(semaphore.byte_limit(), kMaxLimit);
}

}  // namespace
}  // namespace protifer::concurrency
