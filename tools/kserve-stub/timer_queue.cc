#include "timer_queue.h"

#include <algorithm>

namespace protifer::kserve_stub {

TimerQueue::TimerQueue() : thread_([this] { Run(); }) {}

TimerQueue::~TimerQueue() { Stop(); }

void TimerQueue::Schedule(Clock::time_point when, std::function<void()> callback) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    timers_.emplace(when, std::move(callback));
  }
  wake_.notify_one();
}

void TimerQueue::FireEverythingFrom(Clock::time_point deadline) {
  {
    std::lock_guard lock(mutex_);
    fire_everything_from_ = deadline;
  }
  wake_.notify_one();
}

void TimerQueue::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  std::lock_guard lock(mutex_);
  timers_.clear();
}

void TimerQueue::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (timers_.empty()) {
      wake_.wait(lock);
      continue;
    }
    Clock::time_point due = timers_.begin()->first;
    if (fire_everything_from_) due = std::min(due, std::max(*fire_everything_from_, Clock::now()));
    if (Clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    auto callback = std::move(timers_.begin()->second);
    timers_.erase(timers_.begin());
    lock.unlock();
    callback();
    lock.lock();
  }
}

}  // namespace protifer::kserve_stub
