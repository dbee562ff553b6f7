#!/usr/bin/env node
'use strict';
// Load benchmark of the C++ workers (issue "Part 5"): in one run, for each server profile, a
// fresh stack per configuration (redis-server, kserve-stub, optional faultproxy, both workers)
// receives the same BullMQ job stream; results are compared side by side (DESIGN §6).
//
//   node tools/bench/bench.js [--quick] [--out=DIR] [--profiles=a,b,c,d,r] [--caps=1,2,4,8,16,32]
//                             [--configs=NAME,...] (--caps: the sweep on every profile but c;
//                             --configs: run only the configurations of these names)
//                             [--faultproxy] [--window-ms=5000]
//   node tools/bench/bench.js [--quick] --report=DIR   (re-render summary.md and chart.png
//                                                      from DIR/results.csv, no run)
//
// Binaries: KSERVE_STUB_BIN, FAULTPROXY_BIN, PREDICTION_WORKER_BIN, EMBEDDING_WORKER_BIN
// (default: build/ci). Writes results.csv, windows.csv, summary.md, chart.png into --out.
// Exit 0 when the harness ran and `bounded` lost no job on the transport-limited profile (c);
// 1 otherwise. Speed is reported, never judged.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const workload = require('./workload.js');
const profiles = require('./profiles.js');
const {
  configurations, channelConfigurations, byteConfigurations, faultConfigurations, WORKER_CONCURRENCY,
} = require('./configurations.js');
const { runConfiguration } = require('./run_configuration.js');
const report = require('./report.js');
const { findings } = require('./findings.js');

const ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_BINARIES = {
  KSERVE_STUB_BIN: 'build/ci/tools/kserve-stub/kserve-stub',
  FAULTPROXY_BIN: 'build/ci/tools/faultproxy/faultproxy',
  PREDICTION_WORKER_BIN: 'build/ci/src/apps/prediction-worker',
  EMBEDDING_WORKER_BIN: 'build/ci/src/apps/embedding-worker',
};

// Modes. Phases per configuration: steady arrivals below capacity, then above it, then a burst;
// then the harness waits for the backlog up to drainSeconds. The full mode halves protifer's
// length mix (75–200 / 200–512 / 512–1750 residues): at full length the stub's real arithmetic,
// not the simulated GPU, would limit a 2-core machine.
const MODES = {
  full: {
    // Profile (b) skips caps 1 and 2 (under 0.2 jobs/s there: minutes for nothing) and adds 64;
    // its channel pool runs at cap 32 (its best static cap).
    lengthScale: 0.5, profiles: ['a', 'b', 'c', 'd', 'r'],
    sweepCaps: { a: [1, 2, 4, 8, 16, 32], b: [4, 8, 16, 32, 64], c: [4, 8, 16] },
    channels: { b: { cap: 32, counts: [2, 4] } },
    belowSeconds: 10, aboveSeconds: 20, burstPerCapacity: 6, drainSeconds: 25, windowMs: 5000,
  },
  quick: {
    lengthScale: 0.25, profiles: ['a', 'c'], sweepCaps: {}, channels: {},
    belowSeconds: 5, aboveSeconds: 10, burstPerCapacity: 4, drainSeconds: 20, windowMs: 5000,
  },
};

const JUDGED_DRAIN_SECONDS = 120;

function parseArgs(argv) {
  const opts = { mode: 'full' };
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument ${arg}`);
    const [, key, value] = m;
    if (key === 'quick') opts.mode = 'quick';
    else if (key === 'faultproxy') opts.faultproxy = true;
    else if (key === 'out') opts.out = value;
    else if (key === 'profiles') opts.profiles = value.split(',');
    else if (key === 'caps') opts.caps = value.split(',').map(Number);
    else if (key === 'configs') opts.configs = value.split(',');
    else if (key === 'window-ms') opts.windowMs = Number(value);
    else if (key === 'report') opts.report = value;
    else if (key === 'help') opts.help = true;
    else throw new Error(`unknown option ${arg}`);
  }
  return opts;
}

function machine() {
  const cpus = os.cpus();
  return `${os.hostname()}: ${cpus.length} × ${cpus[0]?.model || '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, `
    + `${os.type()} ${os.release()}, node ${process.version}`;
}

// chart.png and summary.md (headline table, findings) from the rows; returns the findings.
function writeSummary({ out, rows, mode, modeName, started, log }) {
  const buckets = workload.scaledBuckets(mode.lengthScale);
  const chart = report.writeChart(out, rows);
  const found = findings(rows);
  const summary = [
    `# Load benchmark (${modeName} mode)`, '',
    `Machine: ${machine()}. ${started ? `Started ${new Date(started).toISOString()}, ${((Date.now() - started) / 60000).toFixed(1)} min.` : 'Re-rendered from results.csv.'}`,
    `Load average (1 min) during the run: ${Math.min(...rows.map(r => Math.min(r.loadStart, r.loadEnd))).toFixed(1)}–`
      + `${Math.max(...rows.map(r => Math.max(r.loadStart, r.loadEnd))).toFixed(1)}.`, '',
    `Workload per configuration: protifer's length mix ×${mode.lengthScale} (${buckets.map(b => `${b.min}–${b.max}: ${b.weight}`).join(', ')}),`
      + ` steady ${mode.belowSeconds} s at 0.5× capacity, ${mode.aboveSeconds} s at 1.5× capacity, then a burst of`
      + ` ${mode.burstPerCapacity}× capacity jobs; wait for the backlog up to ${mode.drainSeconds} s.`
      + ` WORKER_CONCURRENCY ${WORKER_CONCURRENCY} (profile b: ${profiles.PROFILES.b.workerConcurrency}).`
      + ' Profile (c) draws from the short bucket only (see tools/bench/profiles.js: a call cap bounds calls, not bytes).',
    `Stub catalog: embedding service times ÷ ${profiles.EMBEDDING_SPEEDUP} so the prediction fan-out is the bottleneck;`
      + ' time scale chosen so the simulated GPU, not the stub\'s CPU, limits.',
    `Throughput: perf_analyzer windows of ${mode.windowMs / 1000} s, only saturated windows (backlog ≥ 2 × WORKER_CONCURRENCY jobs),`
      + ' stable = 3 consecutive windows within 10%. Latency: submit → stored prediction, completed jobs only'
      + ' (jobs still queued when the harness stopped waiting are counted as unfinished, not in the percentiles).', '',
    report.headlineTable(rows), '',
    '## Findings', '', ...found.lines, '',
    chart.png ? `Chart: ${chart.png}` : `Chart: not written (${chart.reason})`, '',
    'Columns of results.csv are documented in tools/bench/README.md.', '',
  ].join('\n');
  fs.writeFileSync(path.join(out, 'summary.md'), summary);
  log('');
  log(summary);
  log(`bench: wrote ${['results.csv', 'windows.csv', 'summary.md', chart.png ? 'chart.png' : null].filter(Boolean).join(', ')} in ${out}`);
  return found;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    const header = fs.readFileSync(__filename, 'utf8').split('\n').slice(2);
    process.stdout.write(`${header.slice(0, header.findIndex(l => !l.startsWith('//'))).map(l => l.slice(3)).join('\n')}\n`);
    return 0;
  }
  const mode = { ...MODES[opts.mode] };
  const log = line => process.stdout.write(`${line}\n`);
  if (opts.report) {
    const dir = path.resolve(opts.report);
    const found = writeSummary({ out: dir, rows: report.readCsv(path.join(dir, 'results.csv')), mode, modeName: opts.mode, log });
    return found.ok ? 0 : 1;
  }
  if (opts.profiles) mode.profiles = opts.profiles;
  if (opts.windowMs) mode.windowMs = opts.windowMs;
  for (const [name, rel] of Object.entries(DEFAULT_BINARIES)) process.env[name] ||= path.join(ROOT, rel);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = path.resolve(opts.out || path.join(ROOT, 'build', 'bench', stamp));
  fs.mkdirSync(out, { recursive: true });
  const buckets = workload.scaledBuckets(mode.lengthScale);
  const meanLength = workload.meanLength(buckets);
  log(`bench: ${opts.mode} mode, results in ${out}`);
  log(`bench: ${machine()}, load ${os.loadavg().map(v => v.toFixed(2)).join(' ')}`);
  log(`bench: lengths ${buckets.map(b => `${b.min}–${b.max} (${b.weight})`).join(', ')}; mean ${meanLength.toFixed(0)}`);

  const rows = [];
  const started = Date.now();
  for (const id of mode.profiles) {
    const profile = profiles.PROFILES[id];
    if (!profile) throw new Error(`unknown profile '${id}' (${Object.keys(profiles.PROFILES).join(', ')})`);
    const profileBuckets = workload.scaledBuckets(profile.lengthScale ?? mode.lengthScale, { shortOnly: !!profile.shortBucketOnly });
    const prepared = profiles.prepare(profile, {
      dir: out, meanLength: workload.meanLength(profileBuckets), maxLength: profileBuckets[profileBuckets.length - 1].max,
    });
    const capacity = prepared.capacityJobsPerSecond;
    const schedule = workload.buildSchedule({
      seed: 20261127,
      buckets: profileBuckets,
      phases: [
        { name: 'below', rate: 0.5 * capacity, seconds: mode.belowSeconds },
        { name: 'above', rate: 1.5 * capacity, seconds: mode.aboveSeconds },
        { name: 'burst', burst: Math.round(mode.burstPerCapacity * capacity) },
      ],
    });
    // --caps replaces the sweep on every profile but (c), whose question is only unbounded vs bounded.
    const sweep = opts.caps ? (profile.quota ? [] : opts.caps) : (mode.sweepCaps[id] || []);
    let configs;
    if (profile.resetEvery) {
      configs = faultConfigurations(['--schedule', `reset-every=${profile.resetEvery}`], profile.workerConcurrency);
    } else if (profile.id === 'd') {
      // The byte bound at the quota: never more request bytes in flight than the server buffers.
      configs = byteConfigurations(prepared.quotaBytes, profile.workerConcurrency);
    } else {
      configs = configurations(sweep, profile.workerConcurrency, { adaptive: true });
      const pool = mode.channels[id];
      if (pool) configs.push(...channelConfigurations(pool.cap, pool.counts, profile.workerConcurrency));
    }
    if (opts.configs) configs = configs.filter(c => opts.configs.includes(c.name));
    const lengths = schedule.arrivals.map(a => a.sequence.length);
    prepared.streamCapacityJobsPerSecond = prepared.capacityAt(lengths.reduce((a, b) => a + b, 0) / lengths.length);
    log(`bench: profile (${id}) ${profile.name}: ${profile.what}; time scale ${prepared.timeScale.toFixed(2)}, `
      + `capacity ${capacity} jobs/s (${prepared.streamCapacityJobsPerSecond.toFixed(2)} at this stream's mean length; bottleneck ${prepared.bottleneck})`
      + `${prepared.quotaBytes ? `, quota ${prepared.quotaBytes} B` : ''}; ${schedule.arrivals.length} jobs per configuration,`
      + ` lengths ${profileBuckets.map(b => `${b.min}–${b.max}`).join(', ')}`);
    for (const config of configs) {
      const t = Date.now();
      // The one judged configuration waits for its whole backlog (up to JUDGED_DRAIN_SECONDS), so
      // "unfinished" there means lost, not slow on a busy machine; healthy runs end as soon as done.
      const judged = profile.quota && (config.role === 'bounded' || config.role === 'bytes');
      const drainSeconds = judged ? Math.max(mode.drainSeconds, JUDGED_DRAIN_SECONDS) : mode.drainSeconds;
      const result = await runConfiguration({
        profile, prepared, config, schedule, windowMs: mode.windowMs,
        drainTimeoutMs: drainSeconds * 1000, faultproxy: opts.faultproxy, log,
      });
      const row = { profile, prepared, config, ...result };
      rows.push(row);
      log(`  ${config.name.padEnd(16)} cap ${String(config.cap).padStart(4)}${config.role === 'adaptive' ? `→${row.finalLimit}` : ''}: ${report.fmt(row.throughput, 2)} jobs/s`
        + `${row.stable ? '' : ' (unstable)'}, p99 ${report.fmt(row.e2e.p99 / 1000, 1)} s, completed ${row.completed}/${row.submitted}, `
        + `failed ${row.failed}, unfinished ${row.unfinished}, partial ${row.partial}, errors {${report.kv(row.errorsByCode)}}, `
        + `retries ${row.retries} (throttled ${row.retriesThrottled}), attempts/job ${report.fmt(row.attemptsPerCompletedJob, 2)}, ${prepared.bottleneck} util ${report.fmt(row.bottleneckUtilisation, 2)}, `
        + `stub peak ${row.stubPeakInflight}, load ${report.fmt(row.loadStart, 1)}→${report.fmt(row.loadEnd, 1)} `
        + `(${((Date.now() - t) / 1000).toFixed(0)} s)`);
      report.writeCsv(path.join(out, 'results.csv'), rows);  // after every configuration: partial runs keep data
    }
  }
  report.writeWindowsCsv(path.join(out, 'windows.csv'), rows);
  const found = writeSummary({ out, rows, mode, modeName: opts.mode, started, log });
  if (!found.ok) {
    log(`bench: FAILED — ${found.problems.join('; ')}`);
    return 1;
  }
  return 0;
}

main().then(code => process.exit(code), err => {
  process.stderr.write(`bench: harness error: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
