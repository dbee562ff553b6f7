// SIGTERM/SIGINT as an event the main thread can wait for.
//
// Construct it first in main(), before any other thread exists: it blocks both signals in the
// calling thread, every thread started later inherits that mask, and its own thread takes them
// with sigwait(). No code then runs in a signal handler, so waking the main thread and logging
// need no async-signal-safety tricks.
#pragma once

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace protifer::apps {

class ShutdownSignal {
 public:
  // Called on the signal thread for every signal after the first (the first one is what
  // Wait() returns). Must not block.
  using RepeatHandler = std::function<void(std::string_view signal_name)>;

  ShutdownSignal();
  ~ShutdownSignal();
  ShutdownSignal(const ShutdownSignal&) = delete;
  ShutdownSignal& operator=(const ShutdownSignal&) = delete;

  // Blocks until shutdown is requested; returns the reason ("SIGTERM", "SIGINT" or what
  // Request() was given).
  std::string Wait();
  // Waits at most `timeout`; true when shutdown has been requested.
  bool WaitFor(std::chrono::milliseconds timeout);
  // The reason, once requested.
  std::optional<std::string> reason() const;

  // Requests shutdown as a signal would (tests, fatal internal conditions).
  void Request(std::string reason);
  void OnRepeatedSignal(RepeatHandler handler);

 private:
  void SignalLoop();

  mutable std::mutex mutex_;
  std::condition_variable requested_;
  std::optional<std::string> reason_;  // guarded by mutex_
  RepeatHandler on_repeat_;            // guarded by mutex_
  bool stopping_ = false;              // guarded by mutex_
  sigset_t signals_{};
  std::thread thread_;
};

}  // namespace protifer::apps
