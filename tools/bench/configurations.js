'use strict';
// The worker settings compared side by side. Each is a set of protifer's environment variables
// for the prediction worker; the embedding worker keeps its defaults except WORKER_CONCURRENCY,
// which follows the profile (it makes one call per job and has no semaphore).
const WORKER_CONCURRENCY = 4;
const MODELS_PER_JOB = 8;
// "No semaphore": a cap the worker can never reach (16 jobs × 8 calls = 128 calls at most).
const UNBOUNDED_CAP = 1000;
const DEFAULT_CAP = 8;
const DEFAULT_RETRY_ATTEMPTS = 3;

function configuration(name, cap, retryAttempts, role, workerConcurrency) {
  return Object.freeze({
    name, cap, retryAttempts, role, workerConcurrency,
    env: Object.freeze({
      TRITON_MAX_INFLIGHT_INFERS: String(cap),
      TRITON_RETRY_MAX_ATTEMPTS: String(retryAttempts),
      WORKER_CONCURRENCY: String(workerConcurrency),
    }),
  });
}

// unbounded: the pre-PR behaviour (no cap, no retry); bounded: the defaults; sweep: the default
// retry with other caps, to find the knee (cap 8 is `bounded` itself).
// workerConcurrency: jobs each worker runs at once (the profile's; protifer's default is 4).
function configurations(sweepCaps, workerConcurrency = WORKER_CONCURRENCY) {
  const list = [
    configuration('unbounded', UNBOUNDED_CAP, 1, 'unbounded', workerConcurrency),
    configuration('bounded', DEFAULT_CAP, DEFAULT_RETRY_ATTEMPTS, 'bounded', workerConcurrency),
  ];
  for (const cap of sweepCaps) {
    if (cap !== DEFAULT_CAP) list.push(configuration(`cap-${cap}`, cap, DEFAULT_RETRY_ATTEMPTS, 'sweep', workerConcurrency));
  }
  return list;
}

module.exports = { WORKER_CONCURRENCY, MODELS_PER_JOB, UNBOUNDED_CAP, DEFAULT_CAP, DEFAULT_RETRY_ATTEMPTS, configurations };
