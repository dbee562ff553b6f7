#include "apps/shutdown_signal.h"

#include <signal.h>

#include <cstring>
#include <stdexcept>
#include <utility>

namespace protifer::apps {

namespace {

std::string SignalName(int signal_number) {
  switch (signal_number) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "signal " + std::to_string(signal_number);
  }
}

}  // namespace

ShutdownSignal::ShutdownSignal() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGINT);
  if (const int error = pthread_sigmask(SIG_BLOCK, &signals_, nullptr); error != 0) {
    throw std::runtime_error(std::string("pthread_sigmask: ") + std::strerror(error));
  }
  thread_ = std::thread([this] { SignalLoop(); });
}

ShutdownSignal::~ShutdownSignal() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  // A signal directed at the thread wakes its sigwait(); the loop sees stopping_ and ends.
  pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
}

void ShutdownSignal::SignalLoop() {
  for (;;) {
    int signal_number = 0;
    if (sigwait(&signals_, &signal_number) != 0) {
      continue;
    }
    RepeatHandler on_repeat;
    {
      const std::lock_guard lock(mutex_);
      if (stopping_) {
        return;
      }
      if (!reason_) {
        reason_ = SignalName(signal_number);
        requested_.notify_all();
        continue;
      }
      on_repeat = on_repeat_;
    }
    if (on_repeat) {
      on_repeat(SignalName(signal_number));
    }
  }
}

std::string ShutdownSignal::Wait() {
  std::unique_lock lock(mutex_);
  requested_.wait(lock, [this] { return reason_.has_value(); });
  return *reason_;
}

bool ShutdownSignal::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return requested_.wait_for(lock, timeout, [this] { return reason_.has_value(); });
}

std::optional<std::string> ShutdownSignal::reason() const {
  const std::lock_guard lock(mutex_);
  return reason_;
}

void ShutdownSignal::Request(std::string reason) {
  const std::lock_guard lock(mutex_);
  if (!reason_) {
    reason_ = std::move(reason);
    requested_.notify_all();
  }
}

void ShutdownSignal::OnRepeatedSignal(RepeatHandler handler) {
  const std::lock_guard lock(mutex_);
  on_repeat_ = std::move(handler);
}

}  // namespace protifer::apps
