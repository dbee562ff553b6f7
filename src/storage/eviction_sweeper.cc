#include "storage/eviction_sweeper.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace protifer::storage {
namespace {

// condition_variable::wait_for adds the interval to steady_clock's nanosecond count, which
// overflows for intervals beyond ~292 years (STORAGE_SWEEP_INTERVAL_MS is any positive
// integer). Waiting at most a year at a time is the same as waiting forever for a worker.
constexpr std::chrono::milliseconds kLongestWait = std::chrono::hours(24 * 365);

}  // namespace

EvictionSweeper::EvictionSweeper(std::filesystem::path root, std::int64_t budget_bytes,
                                 std::chrono::milliseconds interval, ReportCallback on_report,
                                 ErrorCallback on_error)
    : EvictionSweeper(
          [root = std::move(root), budget_bytes](std::stop_token stop) {
            return EvictColdestObjects(root, budget_bytes, std::move(stop));
          },
          interval, std::move(on_report), std::move(on_error)) {}

EvictionSweeper::EvictionSweeper(Sweep sweep, std::chrono::milliseconds interval,
                                 ReportCallback on_report, ErrorCallback on_error)
    : sweep_(std::move(sweep)),
      interval_(std::min(interval, kLongestWait)),
      on_report_(std::move(on_report)),
      on_error_(std::move(on_error)) {
  if (!sweep_) {
    throw std::invalid_argument("EvictionSweeper: the sweep function is empty");
  }
  if (interval <= std::chrono::milliseconds::zero()) {
    throw std::invalid_argument("EvictionSweeper: the sweep interval must be positive");
  }
  thread_ = std::thread([this] { Run(); });
}

EvictionSweeper::~EvictionSweeper() { Stop(); }

void EvictionSweeper::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_source_.request_stop();
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void EvictionSweeper::Run() {
  std::unique_lock lock(mutex_);
  // The predicate makes a Stop() that came before the wait began, or a spurious wake-up, behave.
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    SweepOnce();
    lock.lock();
  }
}

void EvictionSweeper::SweepOnce() {
  EvictionReport report;
  try {
    report = sweep_(stop_source_.get_token());
  } catch (const std::exception& error) {
    ReportError(error);
    return;
  } catch (...) {
    ReportError(std::runtime_error("eviction sweep failed with an exception of unknown type"));
    return;
  }
  if (!on_report_) {
    return;
  }
  try {
    on_report_(report);
  } catch (const std::exception& error) {
    ReportError(error);
  } catch (...) {
    ReportError(std::runtime_error("eviction report callback threw an exception of unknown type"));
  }
}

void EvictionSweeper::ReportError(const std::exception& error) noexcept {
  if (!on_error_) {
    return;
  }
  try {
    on_error_(error);
  } catch (...) {
    // Nowhere is left to report this, and the thread must keep sweeping.
  }
}

}  // namespace protifer::storage
