// Drives the capacity of the process-wide FifoSemaphore from what the calls experience, so that
// the cap on in-flight ModelInfer calls fits the server it talks to instead of being hand-tuned
// (a cap of 8 keeps a one-instance-per-model Triton busy and starves a four-instance one).
//
// The law, evaluated once per window (default 500 ms) on the thread that reports the sample that
// closes it:
//   1. transport drops (RESOURCE_EXHAUSTED from the transport, UNAVAILABLE: the calls a too-wide
//      fan-out makes the connection fail) above drop_tolerance of the window's attempts cut the
//      limit multiplicatively (x backoff_ratio), at most once per window, and only for calls
//      that started after the previous cut. (An occasional drop is the retry's business: a
//      server with a memory quota refuses a burst now and then at any width, and cutting on each
//      would halve the throughput for nothing.) One
//      connection reset fails every call on it at once and must count as one signal. The limit
//      at which the transport broke becomes a ceiling: for `hold` the limit grows to just below
//      it and no further, and a new drop at that height doubles the hold (up to max_hold). So
//      the limit settles under the width the transport can carry instead of probing it again
//      every few windows (each probe costs failed attempts);
//   2. otherwise, when calls wait longer at the server than `tolerance` times their unloaded
//      latency (the server queues), the limit follows the gradient tolerance / inflation (never
//      below half of itself);
//   3. otherwise, when the limit was the bottleneck during the window (calls waited for a
//      permit), it grows by sqrt(limit) (at least 1), so it climbs quickly from a small start
//      and slowly near a large one.
// The result is clamped to [min_limit, max_limit]. Between windows nothing changes.
//
// Latency inflation: a call's latency depends on the model and on the request size (residues),
// not only on queueing. Each call is therefore compared with the best latency seen for its model
// and request-size class (sizes within a factor sqrt(2) share a class), and the inflation of a
// window is the mean of those ratios (each capped, so one stuck call cannot dominate). The best
// latencies drift up slowly (0.5% per window) so that a server that became slower for good is
// learnt again.
//
// Shrinking never revokes permits already held and waiters stay FIFO: both are the semaphore's
// guarantees (FifoSemaphore::SetCapacity).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "concurrency/fifo_semaphore.h"

namespace protifer::concurrency {

struct AdaptiveLimitOptions {
  std::int64_t min_limit = 8;
  std::int64_t max_limit = 256;
  std::chrono::milliseconds window{500};
  // Mean latency inflation tolerated before the limit shrinks.
  double tolerance = 2.0;
  // Share of a window's attempts that may be transport drops without a cut.
  double drop_tolerance = 0.15;
  // Multiplicative decrease on transport drops.
  double backoff_ratio = 0.8;
  // How long the limit stays below the height of the last transport drop, and the longest that
  // hold may grow to when drops repeat there.
  std::chrono::milliseconds hold{30000};
  std::chrono::milliseconds max_hold{600000};
};

// Throws std::invalid_argument naming the first bad field: min < 1, max < min, window <= 0,
// tolerance <= 1, drop_tolerance outside [0, 1), backoff_ratio outside (0, 1), hold <= 0,
// max_hold < hold.
void ValidateAdaptiveLimitOptions(const AdaptiveLimitOptions& options);

// What one ModelInfer attempt tells the limiter.
struct LimitSample {
  enum class Outcome {
    kSuccess,
    kTransportDrop,  // transient failure: the transport or server overload dropped the call
    kOther,          // any other failure: says nothing about the fan-out width
  };
  std::string_view model;
  std::size_t request_bytes = 0;
  std::chrono::steady_clock::duration latency{};
  Outcome outcome = Outcome::kSuccess;
};

// Thread-safe: OnSample may be called concurrently from any thread (gRPC completion threads).
class AdaptiveLimit {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // Starts from the semaphore's current capacity (clamped into [min, max]). The semaphore must
  // outlive this object. `clock` is for tests.
  AdaptiveLimit(FifoSemaphore& semaphore, AdaptiveLimitOptions options, Clock clock = {});

  void OnSample(const LimitSample& sample);

  std::int64_t limit() const;
  // Mean latency inflation of the last closed window (1 = unloaded; 0 before any).
  double last_inflation() const;

 private:
  // Closes the window if it is over; returns the new limit to apply, or 0 for no change.
  std::int64_t CloseWindowLocked(std::chrono::steady_clock::time_point now);
  double InflationLocked(const LimitSample& sample);

  FifoSemaphore& semaphore_;
  const AdaptiveLimitOptions options_;
  const Clock clock_;

  std::mutex apply_mutex_;  // serialises SetCapacity calls
  mutable std::mutex mutex_;
  std::int64_t limit_;
  std::chrono::steady_clock::time_point window_start_;
  std::chrono::steady_clock::time_point last_cut_;
  double inflation_sum_ = 0;
  std::size_t inflation_samples_ = 0;
  std::size_t drops_ = 0;
  std::size_t attempts_ = 0;  // successes and drops of the window
  bool saw_waiters_ = false;
  double last_inflation_ = 0;
  // The limit at the last transport drop (0: none yet), and until when growth stays below it.
  std::int64_t ceiling_ = 0;
  std::chrono::steady_clock::time_point ceiling_until_;
  std::chrono::milliseconds hold_{0};
  // "<model>#<size class>" -> best latency in seconds.
  std::unordered_map<std::string, double> best_latency_;
};

}  // namespace protifer::concurrency
