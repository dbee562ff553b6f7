'use strict';
// The job stream every configuration receives: the same seeded sequences at the same times, so
// configurations differ only in the worker settings under test (side by side, DESIGN §6).
//
// Lengths follow protifer's load test (contract §9.3, tests/load/sequences.js sampleLength):
// 150–400 residues with weight 0.6, 400–1024 with 0.25, 1024–3500 with 0.15, uniform inside a
// bucket, residues drawn from the 20 standard amino acids (unique inputs, so no cache hits).
// `scale` shrinks every bound (the quick mode and the 2-core machine cannot afford 3500-residue
// jobs at benchmark rates: one costs ~115 MB of requests); reports print the mix used.
const AMINO_ACIDS = 'ACDEFGHIKLMNPQRSTVWY';

const PROTIFER_BUCKETS = Object.freeze([
  Object.freeze({ min: 150, max: 400, weight: 0.6 }),
  Object.freeze({ min: 400, max: 1024, weight: 0.25 }),
  Object.freeze({ min: 1024, max: 3500, weight: 0.15 }),
]);

// mulberry32: small, seedable, good enough for picking lengths and letters.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// shortOnly: the first bucket with all the weight (the transport-limited profile).
function scaledBuckets(scale, { shortOnly = false } = {}) {
  if (shortOnly) return [{ ...scaledBuckets(scale)[0], weight: 1 }];
  return PROTIFER_BUCKETS.map(b => ({
    min: Math.max(1, Math.round(b.min * scale)), max: Math.max(1, Math.round(b.max * scale)), weight: b.weight,
  }));
}

function sampleLength(random, buckets) {
  let r = random();
  for (const b of buckets) {
    if (r < b.weight) return b.min + Math.floor(random() * (b.max - b.min + 1));
    r -= b.weight;
  }
  const last = buckets[buckets.length - 1];
  return last.max;
}

function randomSequence(random, length) {
  let s = '';
  for (let i = 0; i < length; i++) s += AMINO_ACIDS[Math.floor(random() * AMINO_ACIDS.length)];
  return s;
}

// Mean residues per job of a mix (for converting a residue capacity into jobs/s).
function meanLength(buckets) {
  return buckets.reduce((a, b) => a + b.weight * (b.min + b.max) / 2, 0);
}

// phases: [{name, rate (jobs/s), seconds}] for steady arrivals at constant spacing (perf_analyzer's
// default `constant` distribution), or [{name, burst: N}] for N jobs submitted at once.
// Returns [{atMs, phase, sequence}] sorted by time.
// `buckets` (default: protifer's, scaled) may restrict the mix, e.g. to its short bucket.
function buildSchedule({ phases, buckets, seed }) {
  const random = rng(seed);
  const arrivals = [];
  let t = 0;
  for (const phase of phases) {
    if (phase.burst) {
      for (let i = 0; i < phase.burst; i++) arrivals.push({ atMs: t, phase: phase.name });
      t += (phase.seconds || 0) * 1000;
      continue;
    }
    const count = Math.round(phase.rate * phase.seconds);
    for (let i = 0; i < count; i++) arrivals.push({ atMs: t + (i * 1000) / phase.rate, phase: phase.name });
    t += phase.seconds * 1000;
  }
  for (const a of arrivals) a.sequence = randomSequence(random, sampleLength(random, buckets));
  return { arrivals, buckets, durationMs: t };
}

module.exports = { PROTIFER_BUCKETS, rng, scaledBuckets, sampleLength, randomSequence, meanLength, buildSchedule };
