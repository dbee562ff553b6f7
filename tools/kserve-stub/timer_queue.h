// One thread that runs callbacks at given instants. All simulated waiting in the stub (service
// time, dynamic-batching delays, injected latency) is a timer here, so no thread ever sleeps on
// behalf of a request and the thread count does not grow with load.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace protifer::kserve_stub {

using Clock = std::chrono::steady_clock;

class TimerQueue {
 public:
  TimerQueue();
  ~TimerQueue();  // Stop()
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // Runs `callback` on the timer thread at `when` (immediately if it is past). Callbacks must be
  // short; heavy work belongs on the ComputePool. Ignored after Stop().
  void Schedule(Clock::time_point when, std::function<void()> callback);
  void ScheduleAfter(Clock::duration delay, std::function<void()> callback) {
    Schedule(Clock::now() + delay, std::move(callback));
  }

  // From `deadline` on, every timer (pending or new) fires as if it were due: used at shutdown so
  // that simulated service times and injected latencies cannot delay the exit.
  void FireEverythingFrom(Clock::time_point deadline);

  // Joins the thread; pending callbacks are dropped without running.
  void Stop();

 private:
  void Run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, std::function<void()>> timers_;
  std::optional<Clock::time_point> fire_everything_from_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace protifer::kserve_stub
