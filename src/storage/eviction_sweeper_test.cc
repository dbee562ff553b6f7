#include "storage/eviction_sweeper.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "storage/storage_error.h"
#include "storage/testing/temporary_directory.h"

namespace protifer::storage {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::TemporaryDirectory;

// Generous: the machine may be busy with other builds. Waits end as soon as the event happens.
constexpr auto kPatience = 60s;

// Collects what the callbacks deliver and lets the test wait for it.
class Recorder {
 public:
  EvictionSweeper::ReportCallback OnReport() {
    return [this](const EvictionReport& report) {
      std::lock_guard lock(mutex_);
      reports_.push_back(report);
      changed_.notify_all();
    };
  }
  EvictionSweeper::ErrorCallback OnError() {
    return [this](const std::exception& error) {
      std::lock_guard lock(mutex_);
      errors_.emplace_back(error.what());
      changed_.notify_all();
    };
  }

  bool WaitForReports(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return reports_.size() >= count; });
  }

  std::vector<EvictionReport> reports() {
    std::lock_guard lock(mutex_);
    return reports_;
  }
  std::vector<std::string> errors() {
    std::lock_guard lock(mutex_);
    return errors_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<EvictionReport> reports_;
  std::vector<std::string> errors_;
};

TEST(EvictionSweeper, FirstSweepWaitsOneIntervalAndStopEndsTheWaitAtOnce) {
  std::atomic<int> sweeps{0};
  Recorder recorder;
  EvictionSweeper sweeper(
      [&](std::stop_token) {
        ++sweeps;
        return EvictionReport{};
      },
      1h, recorder.OnReport(), recorder.OnError());

  const auto start = std::chrono::steady_clock::now();
  sweeper.Stop();
  // Loose on purpose: only "not an hour", whatever the load on the machine.
  EXPECT_LT(std::chrono::steady_clock::now() - start, kPatience);
  EXPECT_EQ(sweeps.load(), 0);
  EXPECT_TRUE(recorder.reports().empty());
  sweeper.Stop();  // idempotent
}

TEST(EvictionSweeper, DestructorStopsAWaitingSweeper) {
  const auto start = std::chrono::steady_clock::now();
  {
    EvictionSweeper sweeper([](std::stop_token) { return EvictionReport{}; }, 24h, {}, {});
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, kPatience);
}

TEST(EvictionSweeper, EnormousIntervalsDoNotOverflowTheWait) {
  std::atomic<int> sweeps{0};
  {
    EvictionSweeper sweeper(
        [&](std::stop_token) {
          ++sweeps;
          return EvictionReport{};
        },
        std::chrono::milliseconds::max(), {}, {});
    std::this_thread::sleep_for(50ms);  // an overflowed deadline would sweep at once
  }
  EXPECT_EQ(sweeps.load(), 0);
}

TEST(EvictionSweeper, SweepsTheFilesystemStorePeriodically) {
  TemporaryDirectory directory;
  const fs::path root = directory.path() / "objects";
  fs::create_directories(root / "emb" / "m" / "v");
  for (const char* name : {"old", "new"}) {
    const fs::path path = root / "emb" / "m" / "v" / name;
    std::ofstream(path, std::ios::binary) << std::string(100, 'x');
    const struct timespec times[2] = {{name[0] == 'o' ? 1'000 : 2'000, 0}, {0, UTIME_OMIT}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }

  Recorder recorder;
  EvictionSweeper sweeper(root, 150, 20ms, recorder.OnReport(), recorder.OnError());
  ASSERT_TRUE(recorder.WaitForReports(2)) << "no two sweeps within " << kPatience.count() << " s";
  sweeper.Stop();

  const std::vector<EvictionReport> reports = recorder.reports();
  EXPECT_EQ(reports[0].scanned_files, 2u);
  EXPECT_EQ(reports[0].evicted_files, 1u);
  EXPECT_EQ(reports[0].remaining_bytes, 100u);
  EXPECT_EQ(reports[1].scanned_files, 1u);
  EXPECT_EQ(reports[1].evicted_files, 0u);
  EXPECT_TRUE(recorder.errors().empty());
  EXPECT_FALSE(fs::exists(root / "emb" / "m" / "v" / "old"));
  EXPECT_TRUE(fs::exists(root / "emb" / "m" / "v" / "new"));
}

TEST(EvictionSweeper, FailedSweepsAreReportedAndTheThreadKeepsGoing) {
  std::atomic<int> sweeps{0};
  Recorder recorder;
  EvictionSweeper sweeper(
      [&](std::stop_token) {
        const int sweep = ++sweeps;
        if (sweep == 1) {
          throw StorageError("disk on fire");
        }
        if (sweep == 2) {
          throw 42;  // not a std::exception
        }
        return EvictionReport{.scanned_files = static_cast<std::uint64_t>(sweep)};
      },
      10ms, recorder.OnReport(), recorder.OnError());
  ASSERT_TRUE(recorder.WaitForReports(1));
  sweeper.Stop();

  const std::vector<std::string> errors = recorder.errors();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "disk on fire");
  EXPECT_EQ(errors[1], "eviction sweep failed with an exception of unknown type");
  EXPECT_EQ(recorder.reports().at(0).scanned_files, 3u);
}

TEST(EvictionSweeper, ThrowingCallbacksDoNotEndTheThread) {
  std::atomic<int> sweeps{0};
  std::atomic<int> errors{0};
  std::promise<void> third_sweep;
  EvictionSweeper sweeper(
      [&](std::stop_token) {
        if (++sweeps == 3) {
          third_sweep.set_value();
        }
        return EvictionReport{};
      },
      10ms, [](const EvictionReport&) { throw std::runtime_error("logger broke"); },
      [&](const std::exception&) {
        ++errors;
        throw std::runtime_error("error logger broke too");
      });
  ASSERT_EQ(third_sweep.get_future().wait_for(kPatience), std::future_status::ready);
  sweeper.Stop();
  EXPECT_GE(errors.load(), 2);
}

TEST(EvictionSweeper, StopInterruptsASweepInProgress) {
  std::promise<void> started;
  Recorder recorder;
  EvictionSweeper sweeper(
      [&](std::stop_token stop) {
        started.set_value();
        // A long walk that checks its token, like EvictColdestObjects; bounded so that a broken
        // Stop fails the test instead of hanging it.
        const auto give_up = std::chrono::steady_clock::now() + kPatience;
        while (!stop.stop_requested() && std::chrono::steady_clock::now() < give_up) {
          std::this_thread::sleep_for(1ms);
        }
        return EvictionReport{.stopped = stop.stop_requested()};
      },
      10ms, recorder.OnReport(), recorder.OnError());
  ASSERT_EQ(started.get_future().wait_for(kPatience), std::future_status::ready);
  sweeper.Stop();

  // The report of the cut-short sweep was delivered before Stop returned, and nothing after.
  const std::vector<EvictionReport> reports = recorder.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].stopped);
}

TEST(EvictionSweeper, RejectsAnEmptySweepAndNonPositiveIntervals) {
  const auto sweep = [](std::stop_token) { return EvictionReport{}; };
  EXPECT_THROW(EvictionSweeper(EvictionSweeper::Sweep{}, 1s, {}, {}), std::invalid_argument);
  EXPECT_THROW(EvictionSweeper(sweep, 0ms, {}, {}), std::invalid_argument);
  EXPECT_THROW(EvictionSweeper(sweep, -5ms, {}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace protifer::storage
