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
// The retry budget under test (off by default in the workers): 20 tokens, 5% of a token back per
// success.
const BUDGET_TOKENS = 20;
const BUDGET_PERCENT = 5;

// role: unbounded | bounded | sweep (static caps: the knee and the best static cap) | adaptive |
// channels | bytes | faults (the retry-budget comparison under resets).
// faultproxyArgs: when set, the workers dial kserve-stub through a faultproxy with these flags.
function configuration(name, cap, retryAttempts, role, workerConcurrency, extraEnv = {}, faultproxyArgs = null) {
  return Object.freeze({
    name, cap, retryAttempts, role, workerConcurrency, faultproxyArgs,
    env: Object.freeze({
      TRITON_MAX_INFLIGHT_INFERS: String(cap),
      TRITON_RETRY_MAX_ATTEMPTS: String(retryAttempts),
      WORKER_CONCURRENCY: String(workerConcurrency),
      // Pinned, so that the defaults can change without changing what a static row measures.
      TRITON_ADAPTIVE_CONCURRENCY: 'false',
      ...extraEnv,
    }),
  });
}

const isStaticCap = r => r.config.role === 'bounded' || r.config.role === 'sweep';

// unbounded: the pre-PR behaviour (no cap, no retry); bounded: the defaults; sweep: the default
// retry with other caps, to find the knee (cap 8 is `bounded` itself); adaptive: the defaults with
// TRITON_ADAPTIVE_CONCURRENCY (starting from cap 8).
// workerConcurrency: jobs each worker runs at once (the profile's; protifer's default is 4).
function configurations(sweepCaps, workerConcurrency = WORKER_CONCURRENCY, { adaptive = false } = {}) {
  const list = [
    configuration('unbounded', UNBOUNDED_CAP, 1, 'unbounded', workerConcurrency),
    configuration('bounded', DEFAULT_CAP, DEFAULT_RETRY_ATTEMPTS, 'bounded', workerConcurrency),
  ];
  for (const cap of sweepCaps) {
    if (cap !== DEFAULT_CAP) list.push(configuration(`cap-${cap}`, cap, DEFAULT_RETRY_ATTEMPTS, 'sweep', workerConcurrency));
  }
  if (adaptive) {
    list.push(configuration('adaptive', DEFAULT_CAP, DEFAULT_RETRY_ATTEMPTS, 'adaptive', workerConcurrency,
      { TRITON_ADAPTIVE_CONCURRENCY: 'true' }));
  }
  return list;
}

// The channel pool at a fixed cap: TRITON_CHANNELS 1 is the `cap-<cap>` row of the sweep.
function channelConfigurations(cap, counts, workerConcurrency) {
  return counts.map(n => configuration(`channels-${n}`, cap, DEFAULT_RETRY_ATTEMPTS, 'channels', workerConcurrency,
    { TRITON_CHANNELS: String(n) }));
}

// The byte bound against the call bound alone, at the same cap.
function byteConfigurations(maxInflightBytes, workerConcurrency) {
  return [
    configuration('bounded', DEFAULT_CAP, DEFAULT_RETRY_ATTEMPTS, 'bounded', workerConcurrency),
    configuration('byte-bound', DEFAULT_CAP, DEFAULT_RETRY_ATTEMPTS, 'bytes', workerConcurrency,
      { TRITON_MAX_INFLIGHT_BYTES: String(maxInflightBytes) }),
  ];
}

// The retry budget under connection resets: a fault-free run, then the same resets without and
// with the budget.
function faultConfigurations(resetArgs, workerConcurrency) {
  return [
    configuration('fault-free', DEFAULT_CAP, DEFAULT_RETRY_ATTEMPTS, 'faults', workerConcurrency),
    configuration('resets-no-budget', DEFAULT_CAP, DEFAULT_RETRY_ATTEMPTS, 'faults', workerConcurrency,
      { TRITON_RETRY_BUDGET_TOKENS: '0' }, resetArgs),
    configuration('resets-budget', DEFAULT_CAP, DEFAULT_RETRY_ATTEMPTS, 'faults', workerConcurrency,
      { TRITON_RETRY_BUDGET_TOKENS: String(BUDGET_TOKENS), TRITON_RETRY_BUDGET_PERCENT: String(BUDGET_PERCENT) }, resetArgs),
  ];
}

module.exports = {
  WORKER_CONCURRENCY, MODELS_PER_JOB, UNBOUNDED_CAP, DEFAULT_CAP, DEFAULT_RETRY_ATTEMPTS,
  configurations, channelConfigurations, byteConfigurations, faultConfigurations, isStaticCap,
};
