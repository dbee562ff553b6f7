'use strict';
// Server profiles: a modified copy of kserve-stub's built-in catalog (tools/kserve-stub/
// models.json) plus stub flags, chosen so that the *simulated* GPU is the bottleneck on this
// 2-core machine and not the stub's real arithmetic (~0.3 ms CPU per residue per job).
//
// Every profile changes the catalog in the same two ways, and reports say so:
// - the embedding pipeline's service times are divided by EMBEDDING_SPEEDUP, so the 8-model
//   prediction fan-out (which TRITON_MAX_INFLIGHT_INFERS governs) is the bottleneck and not
//   ProtT5, which would otherwise cap every configuration at the same rate;
// - --time-scale is derived from a target capacity in jobs/s for the workload's mean length,
//   because the placeholder service times at scale 1 would ask for far more jobs/s than the
//   stub can compute here.
// The bottleneck is then the unbatched `_tmbed_viterbi` step (5 ms + 30 µs per residue), as in
// the built-in catalog.
const fs = require('node:fs');
const path = require('node:path');

const BUILTIN_CATALOG = path.join(__dirname, '..', 'kserve-stub', 'models.json');
const EMBEDDING_SPEEDUP = 20;
const EMBEDDING_STEPS = new Set(['_internal_prott5_tokenizer', '_internal_prott5_onnx', '_internal_prott5_postprocess']);

// Request bytes of one prediction call at L residues: the channels-last/-first embedding
// (L×1024 FP32) plus a mask (L FP32) where the model takes one.
const bytesPerCall = length => length * 1024 * 4;

// Transport-limited server (Part 2's setting): the gRPC server's memory quota. Measured here
// (gRPC 1.51, kserve-stub, bursts of 16 flows): what the quota limits is the receive buffers of
// the streams being read at once, not the bytes of the requests. A call larger than the quota
// always fails (RST_STREAM 11); at 0.7 MB per call a 3 MB quota passes 8 concurrent calls and
// fails most of 32; at 3.6 MB per call 8 calls need ~12 MB, and 12 MB passes 32 calls of 0.7 MB.
// So no one quota separates the default cap from the unbounded worker across protifer's whole
// length mix — a bound on calls is not a bound on bytes (spec/peer-measurements.md). Profile (c)
// therefore runs the mix's short bucket only, with a quota of QUOTA_CALLS longest calls.
const QUOTA_CALLS = 4;

const PROFILES = Object.freeze({
  a: Object.freeze({
    id: 'a', name: 'protifer-like', instances: 1, targetJobsPerSecond: 2.5, workerConcurrency: 4,
    what: '1 instance per model, dynamic batching as protifer\'s repository',
  }),
  b: Object.freeze({
    // 4 jobs × 8 calls cannot keep 4 instances of the bottleneck busy (measured: utilisation
    // 0.52 with no cap at all), so the larger server is driven by a worker running 16 jobs, as
    // a deployment would scale workers with the server.
    id: 'b', name: 'larger', instances: 4, targetJobsPerSecond: 3, workerConcurrency: 16,
    what: '4 instances per model, WORKER_CONCURRENCY 16; service times scaled so capacity stays computable here',
  }),
  c: Object.freeze({
    id: 'c', name: 'transport-limited', instances: 1, targetJobsPerSecond: 2.5, workerConcurrency: 4, quota: true,
    shortBucketOnly: true,
    what: 'profile (a) plus a gRPC server memory quota (--resource-quota-bytes); short bucket of the mix only',
  }),
  // Part 7: the byte bound. protifer's whole length mix at full length (150–3500 residues: calls
  // of 0.6–14 MB) against a quota of MIXED_QUOTA_CALLS longest calls, which the call cap alone
  // cannot respect when several long jobs run at once.
  d: Object.freeze({
    id: 'd', name: 'transport-limited, mixed lengths', instances: 1, targetJobsPerSecond: 1, workerConcurrency: 4,
    quota: true, quotaCalls: 1.25, lengthScale: 1,
    what: 'profile (a) at protifer\'s full length mix (150–3500) plus a server memory quota of 1.25 longest calls',
  }),
  // Part 7: the retry budget. Profile (a) behind a faultproxy that resets every connection
  // periodically (each reset fails every call in flight on it).
  r: Object.freeze({
    id: 'r', name: 'connection resets', instances: 1, targetJobsPerSecond: 2.5, workerConcurrency: 4,
    resetEvery: '1s',
    what: 'profile (a) behind a faultproxy resetting every connection each second',
  }),
});

function leafModels(catalog) {
  return catalog.models.filter(m => m.service_time);
}

// Simulated service time (ms, time scale 1) of one request of `length` residues on one model.
function serviceMs(model, length) {
  return model.service_time.fixed_ms + (model.service_time.per_residue_us * length) / 1000;
}

// The model with the largest per-job busy time per instance, and its capacity in jobs/s at
// time scale 1 (unbatched: batching can only help the other models).
function bottleneck(catalog, meanLength) {
  let worst = null;
  for (const m of leafModels(catalog)) {
    if (EMBEDDING_STEPS.has(m.name)) continue;
    const perJob = serviceMs(m, meanLength) / (m.instance_count || 1);
    if (!worst || perJob > worst.perJobMs) worst = { model: m.name, perJobMs: perJob };
  }
  return { ...worst, jobsPerSecondAtScale1: 1000 / worst.perJobMs };
}

// Writes the profile's catalog into `dir` and returns {catalogFile, stubArgs, timeScale,
// bottleneck, capacityJobsPerSecond, capacityAt(meanLength), quotaBytes}.
function prepare(profile, { dir, meanLength, maxLength }) {
  const catalog = JSON.parse(fs.readFileSync(BUILTIN_CATALOG, 'utf8'));
  for (const m of leafModels(catalog)) {
    if (EMBEDDING_STEPS.has(m.name)) {
      m.service_time = {
        fixed_ms: m.service_time.fixed_ms / EMBEDDING_SPEEDUP,
        per_residue_us: m.service_time.per_residue_us / EMBEDDING_SPEEDUP,
      };
    } else {
      m.instance_count = profile.instances;
    }
  }
  catalog._comment = `kserve-stub catalog for benchmark profile (${profile.id}) ${profile.name}: `
    + `${profile.what}; embedding service times / ${EMBEDDING_SPEEDUP}. Generated by tools/bench/profiles.js.`;
  const neck = bottleneck(catalog, meanLength);
  const timeScale = neck.jobsPerSecondAtScale1 / profile.targetJobsPerSecond;
  const catalogFile = path.join(dir, `models-${profile.id}.json`);
  fs.writeFileSync(catalogFile, `${JSON.stringify(catalog, null, 1)}\n`);
  const stubArgs = [`--models=${catalogFile}`, `--time-scale=${timeScale.toFixed(4)}`, '--metrics-port=0'];
  let quotaBytes = null;
  if (profile.quota) {
    quotaBytes = Math.round((profile.quotaCalls || QUOTA_CALLS) * bytesPerCall(maxLength));
    stubArgs.push(`--resource-quota-bytes=${quotaBytes}`);
  }
  return {
    catalogFile, stubArgs, timeScale, quotaBytes,
    bottleneck: neck.model, capacityJobsPerSecond: profile.targetJobsPerSecond,
    // The bottleneck's capacity for a stream of another mean length (a seeded sample's mean
    // differs from the mix's by ±20%).
    capacityAt: length => bottleneck(catalog, length).jobsPerSecondAtScale1 / timeScale,
  };
}

module.exports = { PROFILES, EMBEDDING_SPEEDUP, prepare, bottleneck, bytesPerCall };
