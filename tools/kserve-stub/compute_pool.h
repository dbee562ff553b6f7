// A fixed set of threads that evaluate model functions, off the gRPC callback threads and off the
// timer thread. Its size (--compute-threads) does not depend on load.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace protifer::kserve_stub {

class ComputePool {
 public:
  explicit ComputePool(int threads);
  ~ComputePool();  // Stop()
  ComputePool(const ComputePool&) = delete;
  ComputePool& operator=(const ComputePool&) = delete;

  // Runs `task` on a pool thread, in submission order per thread pick-up. Ignored after Stop().
  void Post(std::function<void()> task);
  // Finishes the queued tasks, then joins the threads.
  void Stop();

 private:
  void Run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace protifer::kserve_stub
