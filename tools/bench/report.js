'use strict';
// Writes a benchmark's results: results.csv (one row per profile × configuration, every number),
// windows.csv (the perf_analyzer windows behind each throughput figure), summary.md (the
// headline table and the findings) and chart.png (gnuplot: throughput and p99 vs cap).
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { isStaticCap } = require('./configurations.js');

const fmt = (v, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '');
const kv = obj => Object.entries(obj || {}).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(3) : v}`).join(';');

const COLUMNS = [
  ['profile', r => r.profile.id], ['profile_name', r => r.profile.name], ['config', r => r.config.name],
  ['role', r => r.config.role], ['env', r => kv(r.config.env)],
  ['cap', r => r.config.cap], ['retry_attempts', r => r.config.retryAttempts], ['worker_concurrency', r => r.config.workerConcurrency],
  ['time_scale', r => fmt(r.prepared.timeScale, 4)], ['quota_bytes', r => r.prepared.quotaBytes ?? ''],
  ['capacity_jobs_per_s', r => r.prepared.capacityJobsPerSecond],
  ['stream_capacity_jobs_per_s', r => fmt(r.prepared.streamCapacityJobsPerSecond, 3)],
  ['submitted', r => r.submitted], ['completed', r => r.completed], ['failed', r => r.failed],
  ['failed_transport', r => r.failedTransport], ['unfinished', r => r.unfinished], ['partial', r => r.partial],
  ['failure_reasons', r => (r.failedReasons || []).join(' || ')],
  ['jobs_per_s', r => fmt(r.throughput, 3)], ['stable', r => (r.stable ? 'yes' : 'no')],
  ['stable_windows', r => r.stableWindows], ['overall_jobs_per_s', r => fmt(r.overallJobsPerSecond, 3)],
  ['latency_p50_ms', r => r.e2e.p50], ['latency_p90_ms', r => r.e2e.p90], ['latency_p95_ms', r => r.e2e.p95],
  ['latency_p99_ms', r => r.e2e.p99], ['below_phase_p50_ms', r => r.e2eBelow.p50], ['below_phase_p99_ms', r => r.e2eBelow.p99],
  ['fanout_p50_ms', r => r.fanout.p50], ['fanout_p99_ms', r => r.fanout.p99],
  ['call_p50_ms', r => fmt(r.rpc.p50Ms)], ['call_p99_ms', r => fmt(r.rpc.p99Ms)], ['call_mean_ms', r => fmt(r.rpc.meanMs)],
  ['permit_wait_mean_ms', r => fmt(r.permitWait.meanMs)], ['permit_wait_p99_ms', r => fmt(r.permitWait.p99Ms)],
  ['attempts', r => r.attempts], ['attempts_per_completed_job', r => fmt(r.attemptsPerCompletedJob, 3)],
  ['retries', r => r.retries], ['retries_throttled', r => r.retriesThrottled], ['final_limit', r => r.finalLimit],
  ['transport_errors', r => kv(r.errorsByCode)],
  ['stub_failures', r => r.stubFailures], ['stub_peak_inflight', r => r.stubPeakInflight],
  ['bottleneck', r => r.bottleneck], ['bottleneck_utilisation', r => fmt(r.bottleneckUtilisation, 3)],
  ['utilisation', r => kv(topUtilisation(r.utilisation, 8))],
  ['worker_cpu_ms_per_job', r => fmt(r.cpuPerJobMs.prediction + r.cpuPerJobMs.embedding)],
  ['prediction_cpu_ms_per_job', r => fmt(r.cpuPerJobMs.prediction)], ['embedding_cpu_ms_per_job', r => fmt(r.cpuPerJobMs.embedding)],
  ['stub_cpu_ms_per_job', r => fmt(r.cpuPerJobMs.stub)],
  ['prediction_peak_rss_mib', r => fmt(r.peakRssMiB.prediction)], ['embedding_peak_rss_mib', r => fmt(r.peakRssMiB.embedding)],
  ['late_submissions', r => r.lateSubmissions], ['run_s', r => fmt(r.runSeconds)],
  ['load_start', r => fmt(r.loadStart, 2)], ['load_end', r => fmt(r.loadEnd, 2)],
];

function topUtilisation(perModel, n) {
  return Object.fromEntries(Object.entries(perModel || {}).sort((a, b) => b[1] - a[1]).slice(0, n));
}

const csvCell = v => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

function writeCsv(file, rows) {
  const lines = [COLUMNS.map(c => c[0]).join(',')];
  for (const r of rows) lines.push(COLUMNS.map(([, get]) => csvCell(get(r))).join(','));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

function writeWindowsCsv(file, rows) {
  const lines = ['profile,config,window,start_s,end_s,completed,jobs_per_s,saturated'];
  for (const r of rows) {
    for (const w of r.windows) {
      lines.push([r.profile.id, r.config.name, w.index, w.startMs / 1000, w.endMs / 1000, w.completed,
        w.jobsPerSecond.toFixed(2), w.saturated ? 1 : 0].join(','));
    }
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

// The headline table (markdown), one line per profile × configuration.
function headlineTable(rows) {
  const head = ['profile', 'config', 'cap', 'jobs/s', 'stable', 'p50 s', 'p99 s', 'failed (transport)', 'partial',
    'transport errors', 'retries', 'bottleneck util', 'stub peak in-flight', 'worker CPU ms/job', 'peak RSS MiB', 'load'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    lines.push(`| ${[
      `(${r.profile.id}) ${r.profile.name}`, r.config.name,
      r.config.cap === 1000 ? '∞' : r.config.role === 'adaptive' ? `${r.config.cap}→${r.finalLimit}` : r.config.cap,
      fmt(r.throughput, 2) || '–', r.stable ? 'yes' : 'no', fmt(r.e2e.p50 / 1000, 1), fmt(r.e2e.p99 / 1000, 1),
      `${r.failed} (${r.failedTransport})${r.unfinished ? ` +${r.unfinished} unfinished` : ''}`, r.partial,
      kv(r.errorsByCode) || '0', r.retries, fmt(r.bottleneckUtilisation, 2), r.stubPeakInflight,
      fmt(r.cpuPerJobMs.prediction + r.cpuPerJobMs.embedding, 0),
      `${fmt(r.peakRssMiB.prediction, 0)}/${fmt(r.peakRssMiB.embedding, 0)}`,
      `${fmt(r.loadStart, 1)}→${fmt(r.loadEnd, 1)}`,
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}

// gnuplot: left panel throughput vs cap, right panel p99 job latency vs cap, one line per
// profile that has a sweep. Returns the PNG path, or null (with the reason) if gnuplot is missing.
function writeChart(dir, rows) {
  const profiles = [...new Set(rows.filter(isStaticCap).map(r => r.profile.id))];
  const series = [];
  for (const id of profiles) {
    const points = rows.filter(r => r.profile.id === id && isStaticCap(r))
      .sort((a, b) => a.config.cap - b.config.cap);
    if (points.length < 2) continue;
    const file = path.join(dir, `sweep-${id}.dat`);
    fs.writeFileSync(file, `# cap jobs_per_s p99_s\n${points.map(r => `${r.config.cap} ${fmt(r.throughput, 3) || 'NaN'} ${fmt(r.e2e.p99 / 1000, 2) || 'NaN'}`).join('\n')}\n`);
    series.push({ file, title: `(${id}) ${points[0].profile.name}` });
  }
  if (!series.length) return { png: null, reason: 'no profile with a cap sweep' };
  const png = path.join(dir, 'chart.png');
  const plots = col => series.map(s => `'${s.file}' using 1:${col} with linespoints lw 2 pt 7 title '${s.title}'`).join(', ');
  const script = [
    "set terminal pngcairo size 1200,480 font 'sans,10' noenhanced",
    `set output '${png}'`,
    'set multiplot layout 1,2 title "TRITON_MAX_INFLIGHT_INFERS sweep: saturated throughput and p99 latency (completed jobs)"',
    'set logscale x 2', 'set xlabel "cap (in-flight ModelInfer calls)"', 'set grid', 'set key bottom right',
    'set ylabel "jobs/s completed"', 'set yrange [0:*]', `plot ${plots(2)}`,
    'set key top right', 'set ylabel "p99 job latency (s, submit → stored)"', `plot ${plots(3)}`,
    'unset multiplot',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'chart.gp'), `${script}\n`);
  const r = spawnSync('gnuplot', [path.join(dir, 'chart.gp')], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { png: null, reason: `gnuplot failed: ${r.error?.message || r.stderr}` };
  return { png };
}

module.exports = { writeCsv, writeWindowsCsv, headlineTable, writeChart, fmt, kv, topUtilisation };

// Rows rebuilt from a results.csv (bench.js --report=DIR): enough of each result for the
// headline table, the findings and the chart, so they can be re-rendered without re-running.
function readCsv(file) {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n').map(splitCsvLine);
  const num = v => (v === '' ? NaN : Number(v));
  const parseKv = text => Object.fromEntries((text || '').split(';').filter(Boolean).map(p => p.split('='))
    .map(([k, v]) => [k, Number(v)]));
  return lines.map(cells => {
    const c = Object.fromEntries(header.map((h, i) => [h, cells[i]]));
    const cap = num(c.cap);
    return {
      profile: { id: c.profile, name: c.profile_name },
      config: {
        name: c.config, cap, retryAttempts: num(c.retry_attempts), workerConcurrency: num(c.worker_concurrency),
        role: c.role || (c.config === 'unbounded' || c.config === 'bounded' ? c.config : 'sweep'),
        env: Object.fromEntries((c.env || '').split(';').filter(Boolean).map(p => p.split('='))),
      },
      prepared: { timeScale: num(c.time_scale), quotaBytes: c.quota_bytes ? num(c.quota_bytes) : null, capacityJobsPerSecond: num(c.capacity_jobs_per_s),
        streamCapacityJobsPerSecond: num(c.stream_capacity_jobs_per_s) },
      submitted: num(c.submitted), completed: num(c.completed), failed: num(c.failed), failedTransport: num(c.failed_transport),
      failedReasons: [], unfinished: num(c.unfinished), partial: num(c.partial),
      throughput: num(c.jobs_per_s), stable: c.stable === 'yes', stableWindows: num(c.stable_windows),
      overallJobsPerSecond: num(c.overall_jobs_per_s),
      e2e: { p50: num(c.latency_p50_ms), p90: num(c.latency_p90_ms), p95: num(c.latency_p95_ms), p99: num(c.latency_p99_ms) },
      e2eBelow: { p50: num(c.below_phase_p50_ms), p99: num(c.below_phase_p99_ms) },
      fanout: { p50: num(c.fanout_p50_ms), p99: num(c.fanout_p99_ms) },
      rpc: { p50Ms: num(c.call_p50_ms), p99Ms: num(c.call_p99_ms), meanMs: num(c.call_mean_ms) },
      permitWait: { meanMs: num(c.permit_wait_mean_ms), p99Ms: num(c.permit_wait_p99_ms) },
      attempts: num(c.attempts), attemptsPerCompletedJob: num(c.attempts_per_completed_job), retries: num(c.retries),
      retriesThrottled: num(c.retries_throttled), finalLimit: num(c.final_limit), errorsByCode: parseKv(c.transport_errors),
      stubFailures: num(c.stub_failures), stubPeakInflight: num(c.stub_peak_inflight),
      bottleneck: c.bottleneck, bottleneckUtilisation: num(c.bottleneck_utilisation), utilisation: parseKv(c.utilisation),
      cpuPerJobMs: { prediction: num(c.prediction_cpu_ms_per_job), embedding: num(c.embedding_cpu_ms_per_job), stub: num(c.stub_cpu_ms_per_job) },
      peakRssMiB: { prediction: num(c.prediction_peak_rss_mib), embedding: num(c.embedding_peak_rss_mib) },
      lateSubmissions: num(c.late_submissions), runSeconds: num(c.run_s), loadStart: num(c.load_start), loadEnd: num(c.load_end),
      windows: [],
    };
  });
}

function splitCsvLine(line) {
  const cells = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { cells.push(cell); cell = ''; } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

module.exports.readCsv = readCsv;
