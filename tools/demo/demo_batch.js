#!/usr/bin/env node
'use strict';
// The quick-start demo's client: submits a batch of sample protein sequences exactly as
// protifer's gateway does (tools/gateway/gateway.js: FlowProducer, parent `prediction` with one
// `embedding` child), shows the progress while the C++ workers run them, then reads every
// stored prediction back and prints what each model produced.
//
//   node tools/demo/demo_batch.js --redis=HOST:PORT --store=DIR [--count=N]
//
// REDIS_PASSWORD holds the password. Exit code 0 when every flow completed, 1 otherwise,
// 2 for bad arguments.
const fs = require('node:fs');
const path = require('node:path');
const gateway = require('../gateway/gateway.js');

const SAMPLES = [
  // Human ubiquitin and the green fluorescent protein, then generated sequences.
  ['ubiquitin', 'MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG'],
  ['gfp', 'MSKGEELFTGVVPILVELDGDVNGHKFSVSGEGEGDATYGKLTLKFICTTGKLPVPWPTLVTTFSYGVQCFSRYPDHMKQHDFFKSA'
    + 'MPEGYVQERTIFFKDDGNYKTRAEVKFEGDTLVNRIELKGIDFKEDGNILGHKLEYNYNSHNVYIMADKQKNGIKVNFKIRHNIEDGSV'
    + 'QLADHYQQNTPIGDGPVLLPDNHYLSTQSALSKDPNEKRDHMVLLEFVTAAGITHGMDELYK'],
];
const AMINO_ACIDS = 'ACDEFGHIKLMNPQRSTVWY';

function usage(message) {
  if (message) process.stderr.write(`demo_batch: ${message}\n`);
  process.stderr.write('usage: demo_batch.js --redis=HOST:PORT --store=DIR [--count=N]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { count: 24 };
  for (const arg of argv) {
    const m = /^--([a-z]+)=(.+)$/.exec(arg);
    if (!m) usage(`unexpected argument ${arg}`);
    opts[m[1]] = m[2];
  }
  const hp = /^(.+):(\d+)$/.exec(opts.redis || '');
  if (!hp) usage('--redis=HOST:PORT is required');
  if (!opts.store) usage('--store=DIR is required');
  opts.count = Number(opts.count);
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > 1000) {
    usage('--count must be an integer in 1..1000');
  }
  opts.connection = { host: hp[1], port: Number(hp[2]), password: process.env.REDIS_PASSWORD };
  return opts;
}

// Deterministic sequences (a linear congruential generator), lengths 50..650.
function sampleSequences(count) {
  const sequences = SAMPLES.slice(0, count).map(([name, sequence]) => ({ name, sequence }));
  let state = 20261127;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  while (sequences.length < count) {
    const length = 50 + (next() % 601);
    let sequence = 'M';
    while (sequence.length < length) sequence += AMINO_ACIDS[next() % AMINO_ACIDS.length];
    sequences.push({ name: `sample-${String(sequences.length + 1).padStart(3, '0')}`, sequence });
  }
  return sequences;
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map(r => String(r[c]).length)));
  return rows.map((r, i) => {
    const line = r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ');
    return i === 0 ? `${line}\n${widths.map(w => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const bullmq = gateway.resolveBullmq();
  const gw = gateway.createGateway({ connection: opts.connection, bullmq });
  const events = {
    prediction: new bullmq.QueueEvents('prediction', { connection: opts.connection }),
    embedding: new bullmq.QueueEvents('embedding', { connection: opts.connection }),
  };
  const sequences = sampleSequences(opts.count);
  const pending = new Map();  // prediction job id -> {name, length}
  // Every outcome seen, also for a job whose submit() has not returned yet.
  const done = { prediction: new Set(), embedding: new Set(), failed: new Map() };
  const finishedFlows = () => [...pending.keys()].filter(id => done.prediction.has(id) || done.failed.has(id));
  let allSubmitted = false;
  let finishAll;
  const allFinished = new Promise(resolve => { finishAll = resolve; });
  const checkFinished = () => {
    if (allSubmitted && finishedFlows().length >= pending.size) finishAll();
  };
  const tty = process.stdout.isTTY;
  let lastDrawn = '';
  const started = Date.now();
  const draw = (final = false) => {
    const total = sequences.length;
    const finished = finishedFlows().length;
    const width = 30;
    const filled = Math.round((finished / total) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${finished}/${total} flows`
      + ` · embeddings ${done.embedding.size}/${total} · failed ${done.failed.size}`
      + ` · ${((Date.now() - started) / 1000).toFixed(1)} s`;
    if (tty) process.stdout.write(`\r${line}${final ? '\n' : ''}`);
    else if (line.split('·')[0] !== lastDrawn.split('·')[0]) process.stdout.write(`${line}\n`);
    lastDrawn = line;
  };
  events.embedding.on('completed', ({ jobId }) => { done.embedding.add(jobId); draw(); });
  events.prediction.on('completed', ({ jobId }) => {
    done.prediction.add(jobId);
    draw();
    checkFinished();
  });
  events.prediction.on('failed', ({ jobId, failedReason }) => {
    done.failed.set(jobId, failedReason);
    draw();
    checkFinished();
  });
  await Promise.all(Object.values(events).map(e => e.waitUntilReady()));

  const lengths = sequences.map(s => s.sequence.length);
  console.log(`demo: submitting ${sequences.length} sequences (${Math.min(...lengths)}–${Math.max(...lengths)}`
    + ' residues) through BullMQ as the gateway does: one flow per sequence, parent `prediction`,'
    + ' child `embedding`');
  const plans = ['enterprise', 'pro', 'free'];
  const submitted = [];
  for (const [i, { name, sequence }] of sequences.entries()) {
    const r = await gw.submit({ sequence, userId: 'demo-user', plan: plans[i % plans.length], requestId: `demo-${name}` });
    pending.set(r.jobId, { name, length: sequence.length, r });
    submitted.push(r);
  }
  allSubmitted = true;
  draw();
  checkFinished();
  const timeout = setTimeout(() => finishAll(), 600000);
  await allFinished;
  clearTimeout(timeout);
  const seconds = (Date.now() - started) / 1000;
  draw(true);

  // What each model produced, read back from the stored objects as the gateway would.
  const perModel = new Map();
  const latencies = [];
  for (const r of submitted) {
    const job = await gw.predictionQueue.getJob(r.jobId);
    if (job && job.finishedOn) latencies.push(job.finishedOn - job.timestamp);
    if (!done.prediction.has(r.jobId)) continue;
    const key = gateway.predictionRefKey(r.embeddingModel, r.predictionModels, r.sequenceHash);
    const stored = JSON.parse(fs.readFileSync(path.join(opts.store, key), 'utf8'));
    for (const output of Object.keys(stored.outputs || {})) {
      const entry = perModel.get(output) || { ok: 0, failed: 0, codes: new Set() };
      entry.ok += 1;
      perModel.set(output, entry);
    }
    for (const [output, error] of Object.entries(stored.modelErrors || {})) {
      const entry = perModel.get(output) || { ok: 0, failed: 0, codes: new Set() };
      entry.failed += 1;
      entry.codes.add(error.code);
      perModel.set(output, entry);
    }
  }
  console.log('');
  console.log(table([['model output', 'ok', 'failed', 'errors'],
    ...[...perModel.entries()].map(([output, e]) => [output, e.ok, e.failed, [...e.codes].join(' ') || '-'])]));
  latencies.sort((a, b) => a - b);
  console.log('');
  console.log(`${done.prediction.size} of ${pending.size} flows completed, ${done.failed.size} failed, in`
    + ` ${seconds.toFixed(2)} s: ${(done.prediction.size / seconds).toFixed(1)} jobs/s`
    + ' (embedding + 8 models + stored JSON per job)');
  console.log(`per flow, submit to stored prediction: p50 ${percentile(latencies, 50)} ms,`
    + ` p95 ${percentile(latencies, 95)} ms, max ${latencies[latencies.length - 1]} ms`);
  for (const [jobId, reason] of done.failed) {
    console.log(`failed ${pending.get(jobId).name}: ${reason}`);
  }
  await Promise.allSettled([gw.close(), ...Object.values(events).map(e => e.close())]);
  return done.failed.size === 0 && done.prediction.size === pending.size ? 0 : 1;
}

main().then(code => process.exit(code), err => {
  process.stderr.write(`demo_batch: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
