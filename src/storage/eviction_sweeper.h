// Runs the filesystem store's eviction sweep (filesystem_eviction.h) every interval on a thread
// of its own, as protifer's embedding worker does with a setInterval of
// STORAGE_SWEEP_INTERVAL_MS (spec §2.7, §7). Like setInterval, the first sweep comes one
// interval after construction, not at once. Unlike setInterval, the next wait starts when a
// sweep ends, so a sweep slower than the interval never overlaps the next one.
//
// The worker constructs one only when STORAGE_DRIVER=filesystem and STORAGE_MAX_BYTES > 0.
//
// Shutdown is never held up by the timer: Stop() (or the destructor) wakes the waiting thread
// through a condition variable and asks a running sweep to stop through its stop_token, then
// joins. A failed sweep is handed to the error callback and the thread keeps going: the next
// interval tries again, which is what a transient failure (an I/O error, a permission an
// operator then fixes) wants.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>

#include "storage/filesystem_eviction.h"

namespace protifer::storage {

class EvictionSweeper {
 public:
  // One sweep. It should return soon after its stop_token is stopped.
  using Sweep = std::function<EvictionReport(std::stop_token)>;
  // Called on the sweeper's thread after every sweep that did not throw, also one cut short by
  // Stop() (its deletions happened). Meant for the log line.
  using ReportCallback = std::function<void(const EvictionReport&)>;
  // Called on the sweeper's thread with what a sweep, or the report callback, threw. Exceptions
  // not derived from std::exception arrive as a std::runtime_error saying so.
  using ErrorCallback = std::function<void(const std::exception&)>;

  // Sweeps the filesystem store under `root` against `budget_bytes` with EvictColdestObjects.
  EvictionSweeper(std::filesystem::path root, std::int64_t budget_bytes,
                  std::chrono::milliseconds interval, ReportCallback on_report,
                  ErrorCallback on_error);

  // Runs `sweep` instead: the seam tests use. Throws std::invalid_argument for an empty sweep or
  // an interval that is not positive. Either callback may be empty.
  EvictionSweeper(Sweep sweep, std::chrono::milliseconds interval, ReportCallback on_report,
                  ErrorCallback on_error);

  // Stop().
  ~EvictionSweeper();

  EvictionSweeper(const EvictionSweeper&) = delete;
  EvictionSweeper& operator=(const EvictionSweeper&) = delete;

  // Wakes the thread, stops a sweep in progress at its next check and waits for the thread to
  // end; no callback runs after it returns. Idempotent. Must not be called from a callback
  // (the thread cannot join itself) nor concurrently from two threads.
  void Stop();

 private:
  void Run();
  void SweepOnce();
  void ReportError(const std::exception& error) noexcept;

  const Sweep sweep_;
  const std::chrono::milliseconds interval_;
  const ReportCallback on_report_;
  const ErrorCallback on_error_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::stop_source stop_source_;
  std::thread thread_;  // last: it starts once everything above is initialised
};

}  // namespace protifer::storage
