// A BullMQ v5 worker: consumes a queue filled by Node BullMQ producers and leaves in Redis
// exactly what a Node `Worker` would leave (same scripts, same arguments, same decisions).
//
// Threads (fixed, independent of load):
//   - fetch loop: BZPOPMIN on the queue marker + moveToActive, while fewer than `concurrency`
//     jobs are in flight; it never runs a processor, so slow jobs cannot stall fetching;
//   - `concurrency` job threads: run the processor (which may block), then finish the job and,
//     like Node, take the next job straight from the finishing script's reply (fetchNext);
//   - lock renewal timer: extendLocks for every job in flight, whatever the processors do;
//   - stalled checker: moveStalledJobsToWait every stalledInterval (a duty of every worker).
// Each thread group has its own Redis connection, so lock renewal never queues behind jobs.
//
// Redis outages: every call is retried after reconnecting, with a doubling pause. A job whose
// lock expired meanwhile is refused by the finishing script (-2/-6): the worker then drops it,
// and the stalled mechanism hands it to a worker again; nothing is completed twice.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "queue/job.h"
#include "queue/redis_connection.h"
#include "queue/unrecoverable_error.h"
#include "queue/worker_options.h"

namespace protifer::queue {

class BullmqWorker {
 public:
  // Returns the job's returnvalue (stored as JSON; ordered_json so the keys keep the order a
  // Node processor's object would have) or throws std::exception, whose what() becomes the job's
  // failedReason; UnrecoverableError fails the job without its remaining attempts. Runs on a job
  // thread; may block.
  using Processor = std::function<nlohmann::ordered_json(Job&)>;

  BullmqWorker(RedisEndpoint endpoint, WorkerOptions options, Processor processor,
               WorkerHooks hooks = {});
  // Closes with a zero drain deadline if still running, then waits for processors that are
  // still running to return (their jobs are not finished by this worker).
  ~BullmqWorker();
  BullmqWorker(const BullmqWorker&) = delete;
  BullmqWorker& operator=(const BullmqWorker&) = delete;

  // Connects, checks the server and the queue's bullmq version, loads the scripts, names the
  // blocking connection and starts consuming. Throws (RedisConnectionError, RedisHandshakeError,
  // std::runtime_error with the reason) when the worker cannot or must not run.
  void Start();

  // Graceful shutdown: stop fetching at once, let in-flight jobs finish until drain_timeout,
  // then stop lock renewal and stalled checks. Returns the number of jobs still running at the
  // deadline; this worker will not finish them and their locks are no longer renewed, so the
  // stalled checks of other workers recover them. Idempotent.
  std::size_t Close(std::chrono::milliseconds drain_timeout);

  // Unique id of this worker process; lock tokens are "<id>:<n>".
  const std::string& id() const;
  // CLIENT SETNAME of the blocking connection (what Queue.getWorkers() lists).
  std::string connection_name() const;
  // Jobs taken but not finished yet.
  std::size_t jobs_in_flight() const;
  // True once Close() has begun: no new job is fetched from then on.
  bool closing() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace protifer::queue
