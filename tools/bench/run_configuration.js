'use strict';
// One configuration on one server profile: a fresh stack (redis-server, kserve-stub, optional
// faultproxy, both workers — tools/stack/stack.js), the profile's job stream, then every number
// of the report. A fresh stack per configuration keeps counters, peaks, CPU time and RSS of one
// configuration from leaking into the next, and a fresh Redis makes every configuration see the
// same empty queues.
const fs = require('node:fs');
const { Stack, freePort } = require('../stack/stack.js');
const prom = require('./prometheus.js');
const procStats = require('./proc_stats.js');
const { drive } = require('./driver.js');
const { buildWindows, stableThroughput, percentile } = require('./windows.js');

// Failure texts that come from the transport rather than from a model or the data.
const TRANSPORT_SIGNATURE = /RESOURCE_EXHAUSTED|UNAVAILABLE|RST_STREAM|Socket closed|Connection reset|GOAWAY|Broken pipe|DEADLINE_EXCEEDED/;

// Scrapes kserve-stub's /metrics every windowMs so utilisation can be taken over exactly the
// saturated windows.
function startStubSampler(port, windowMs, t0) {
  const samples = [];
  let stopped = false;
  const take = async () => {
    try {
      samples.push({ t: Date.now() - t0, metrics: await prom.scrape(port) });
    } catch { /* a missed sample widens the interval; never fails the run */ }
  };
  const timer = setInterval(() => { if (!stopped) take(); }, windowMs);
  return {
    samples,
    first: take(),
    async stop() { stopped = true; clearInterval(timer); await take(); },
  };
}

// Δbusy / (Δt × instances) per leaf model between the samples nearest to [fromMs, toMs].
function utilisation(samples, fromMs, toMs) {
  if (samples.length < 2) return {};
  const nearest = t => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
  let a = nearest(fromMs);
  let b = nearest(toMs);
  if (b.t <= a.t) { a = samples[0]; b = samples[samples.length - 1]; }
  const busyA = prom.groupBy(a.metrics, 'kserve_stub_instance_busy_us', 'model');
  const busyB = prom.groupBy(b.metrics, 'kserve_stub_instance_busy_us', 'model');
  const instances = prom.groupBy(b.metrics, 'kserve_stub_instance_count', 'model');
  const seconds = (b.t - a.t) / 1000;
  const out = {};
  for (const [model, busy] of Object.entries(busyB)) {
    out[model] = (busy - (busyA[model] || 0)) / 1e6 / seconds / (instances[model] || 1);
  }
  return { perModel: out, fromMs: a.t, toMs: b.t };
}

// Completed predictions whose stored JSON carries model errors: the job succeeded with part of
// the answer missing (protifer stores per-model errors instead of failing the job).
function countPartialResults(stack, jobs) {
  let partial = 0;
  const byCode = {};
  for (const job of jobs) {
    if (job.state !== 'completed') continue;
    let stored;
    try {
      stored = JSON.parse(fs.readFileSync(stack.objectPath(job.predictionRef), 'utf8'));
    } catch {
      continue;
    }
    const errors = Object.values(stored.modelErrors || {});
    if (errors.length) {
      partial++;
      for (const e of errors) byCode[e.code] = (byCode[e.code] || 0) + 1;
    }
  }
  return { partial, byCode };
}

function histogramStats(after, name) {
  const h = prom.histogram(after, [], name);
  return {
    count: h.count,
    meanMs: h.count ? (h.sum / h.count) * 1000 : NaN,
    p50Ms: prom.quantile(h, 0.5) * 1000,
    p99Ms: prom.quantile(h, 0.99) * 1000,
  };
}

// options: {profile, prepared (profiles.prepare), config, schedule, windowMs, drainTimeoutMs,
// faultproxy (bool), log}
async function runConfiguration(options) {
  const { prepared, config, schedule, windowMs, drainTimeoutMs, log } = options;
  const loadStart = procStats.loadAverage();
  const embeddingMetricsPort = await freePort();
  const stack = await Stack.start({
    stubArgs: prepared.stubArgs,
    // A configuration's own faults (config.faultproxyArgs) or, with --faultproxy, a fault-free
    // proxy for every configuration.
    faultproxy: config.faultproxyArgs ? { args: ['--no-control', ...config.faultproxyArgs] }
      : options.faultproxy ? { args: ['--no-control'] } : undefined,
    workerEnv: {
      prediction: { ...config.env },
      embedding: {
        WORKER_CONCURRENCY: String(config.workerConcurrency), METRICS_ENABLED: 'true',
        METRICS_PORT: String(embeddingMetricsPort),
      },
    },
  });
  let ok = false;
  try {
    const workers = { prediction: stack.workers.prediction.pid, embedding: stack.workers.embedding.pid };
    const cpuStart = {
      prediction: procStats.cpuSeconds(workers.prediction),
      embedding: procStats.cpuSeconds(workers.embedding),
      stub: procStats.cpuSeconds(stack.stubProc.pid),
    };
    const t0 = Date.now();
    const sampler = startStubSampler(stack.stub.metricsPort, windowMs, t0);
    await sampler.first;
    const run = await drive({
      connection: stack.connection(),
      arrivals: schedule.arrivals,
      drainTimeoutMs,
      onProgress: p => log(`  ${config.name}: ${p.submitted}/${schedule.arrivals.length} submitted, ${p.finished} finished`),
    });
    await sampler.stop();
    const cpu = {
      prediction: procStats.cpuSeconds(workers.prediction) - cpuStart.prediction,
      embedding: procStats.cpuSeconds(workers.embedding) - cpuStart.embedding,
      stub: procStats.cpuSeconds(stack.stubProc.pid) - cpuStart.stub,
    };
    const rss = { prediction: procStats.peakRssMiB(workers.prediction), embedding: procStats.peakRssMiB(workers.embedding) };
    const predMetrics = await prom.scrape(stack.metricsPort);
    const embMetrics = await prom.scrape(embeddingMetricsPort);
    const stubMetrics = sampler.samples[sampler.samples.length - 1]?.metrics || [];
    const result = summarise({ stack, run, t0, cpu, rss, predMetrics, embMetrics, stubMetrics, sampler, options });
    result.loadStart = loadStart;
    result.loadEnd = procStats.loadAverage();
    ok = true;
    return result;
  } finally {
    await stack.stop({ keepDir: !ok });
  }
}

function summarise({ stack, run, t0, cpu, rss, predMetrics, embMetrics, stubMetrics, sampler, options }) {
  const { jobs } = run;
  const { prepared, windowMs, config } = options;
  const completed = jobs.filter(j => j.state === 'completed');
  const failed = jobs.filter(j => j.state === 'failed');
  const unfinished = jobs.length - completed.length - failed.length;
  const e2e = completed.map(j => j.finishedOn - j.createdAt);
  const fanout = completed.filter(j => j.processedOn).map(j => j.finishedOn - j.processedOn);
  const lastFinish = Math.max(t0, ...completed.map(j => j.finishedOn));

  const windows = buildWindows(jobs, {
    t0, endMs: run.endedAt - t0, windowMs, saturationBacklog: 2 * config.workerConcurrency,
  });
  const stable = stableThroughput(windows);
  const span = stable.windows.length
    ? [stable.windows[0].startMs, stable.windows[stable.windows.length - 1].endMs]
    : [0, lastFinish - t0];
  const util = utilisation(sampler.samples, span[0], span[1]);

  // Attempts that did not end OK, by gRPC code, from both workers (every Triton call they made).
  const errorsByCode = {};
  for (const metrics of [predMetrics, embMetrics]) {
    const byCode = prom.groupBy(metrics, 'triton_rpc_attempt_duration_seconds_count', 'code');
    for (const [code, n] of Object.entries(byCode)) {
      if (code !== 'OK' && n > 0) errorsByCode[code] = (errorsByCode[code] || 0) + n;
    }
  }
  const retries = prom.sum(predMetrics, 'triton_rpc_retries_total') + prom.sum(embMetrics, 'triton_rpc_retries_total');
  const attempts = prom.sum(predMetrics, 'triton_rpc_attempts_total');
  const retriesThrottled = prom.sum(predMetrics, 'triton_rpc_retries_throttled_total');
  const finalLimit = prom.max(predMetrics, 'triton_infer_permit_capacity');
  const partial = countPartialResults(stack, jobs);
  const stubPeakPerModel = prom.groupBy(stubMetrics, 'kserve_stub_inflight_requests_peak', 'model');

  return {
    submitted: jobs.length,
    completed: completed.length,
    failed: failed.length,
    failedTransport: failed.filter(j => TRANSPORT_SIGNATURE.test(j.failedReason || '')).length,
    failedReasons: [...new Set(failed.map(j => (j.failedReason || '').slice(0, 160)))].slice(0, 3),
    unfinished,
    partial: partial.partial,
    partialByCode: partial.byCode,
    lateSubmissions: run.lateSubmissions,
    runSeconds: (run.endedAt - t0) / 1000,
    overallJobsPerSecond: completed.length / ((lastFinish - t0) / 1000 || 1),
    throughput: stable.jobsPerSecond,
    stable: stable.stable,
    stableWindows: stable.windows.length,
    windows,
    e2e: { p50: percentile(e2e, 50), p90: percentile(e2e, 90), p95: percentile(e2e, 95), p99: percentile(e2e, 99) },
    // e2e latency of the jobs submitted in the below-capacity phase only (no backlog yet).
    e2eBelow: (() => {
      const below = completed.filter(j => j.phase === 'below').map(j => j.finishedOn - j.createdAt);
      return { p50: percentile(below, 50), p99: percentile(below, 99), n: below.length };
    })(),
    fanout: { p50: percentile(fanout, 50), p99: percentile(fanout, 99) },
    rpc: histogramStats(predMetrics, 'triton_rpc_attempt_duration_seconds'),
    permitWait: histogramStats(predMetrics, 'triton_infer_permit_wait_seconds'),
    attempts,
    attemptsPerCompletedJob: attempts / Math.max(1, completed.length),
    retries,
    retriesThrottled,
    finalLimit,
    errorsByCode,
    stubFailures: prom.sum(stubMetrics, 'nv_inference_request_failure'),
    stubPeakInflight: prom.max(stubMetrics, 'kserve_stub_server_inflight_requests_peak'),
    stubPeakPerModel,
    utilisation: util.perModel || {},
    utilisationSpan: [util.fromMs, util.toMs],
    bottleneck: prepared.bottleneck,
    bottleneckUtilisation: (util.perModel || {})[prepared.bottleneck] ?? NaN,
    cpuPerJobMs: {
      prediction: (cpu.prediction / Math.max(1, completed.length)) * 1000,
      embedding: (cpu.embedding / Math.max(1, completed.length)) * 1000,
      stub: (cpu.stub / Math.max(1, completed.length)) * 1000,
    },
    cpuSeconds: cpu,
    peakRssMiB: rss,
  };
}

module.exports = { runConfiguration, TRANSPORT_SIGNATURE };
