'use strict';
// perf_analyzer's measurement method applied to jobs (DESIGN §6): fixed time windows (5 s by
// default), throughput = jobs completed in a window ÷ its length, and a result is *stable* when
// the last 3 windows agree within 10% (max/min). Only saturated windows count for the
// capacity figure: a window is saturated when the backlog (submitted, not yet finished) stayed
// above `saturationBacklog` at both of its ends, i.e. the workers never ran dry inside it.
const STABILITY = Object.freeze({ windows: 3, tolerance: 0.10 });

function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

// jobs: driver records; t0: run start (ms); windowMs; saturationBacklog: jobs.
// Returns [{index, startMs, endMs, completed, jobsPerSecond, saturated}] (times relative to t0).
function buildWindows(jobs, { t0, endMs, windowMs, saturationBacklog }) {
  const submitted = jobs.map(j => j.submittedAt - t0).sort((a, b) => a - b);
  const finished = jobs.filter(j => j.finishedOn).map(j => j.finishedOn - t0).sort((a, b) => a - b);
  const completed = jobs.filter(j => j.state === 'completed' && j.finishedOn).map(j => j.finishedOn - t0);
  const countUpTo = (sorted, t) => { let n = 0; while (n < sorted.length && sorted[n] <= t) n++; return n; };
  const backlog = t => countUpTo(submitted, t) - countUpTo(finished, t);
  const windows = [];
  for (let start = 0, i = 0; start + windowMs <= endMs; start += windowMs, i++) {
    const end = start + windowMs;
    const n = completed.filter(t => t > start && t <= end).length;
    windows.push({
      index: i, startMs: start, endMs: end, completed: n, jobsPerSecond: n / (windowMs / 1000),
      saturated: backlog(start) >= saturationBacklog && backlog(end) >= saturationBacklog,
    });
  }
  return windows;
}

// The last run of STABILITY.windows consecutive saturated windows whose throughputs agree within
// the tolerance. Returns {stable, windows: [...], jobsPerSecond} — when no run is stable, the
// mean over every saturated window, flagged unstable (perf_analyzer would keep trying; a
// benchmark with a fixed budget reports what it saw and says so).
function stableThroughput(windows) {
  const saturated = windows.filter(w => w.saturated);
  for (let end = saturated.length; end >= STABILITY.windows; end--) {
    const run = saturated.slice(end - STABILITY.windows, end);
    const consecutive = run.every((w, k) => k === 0 || w.index === run[k - 1].index + 1);
    const rates = run.map(w => w.jobsPerSecond);
    const lo = Math.min(...rates);
    if (consecutive && lo > 0 && Math.max(...rates) / lo <= 1 + STABILITY.tolerance) {
      return { stable: true, windows: run, jobsPerSecond: mean(rates) };
    }
  }
  return { stable: false, windows: saturated, jobsPerSecond: saturated.length ? mean(saturated.map(w => w.jobsPerSecond)) : NaN };
}

function mean(values) {
  return values.reduce((a, v) => a + v, 0) / values.length;
}

module.exports = { STABILITY, percentile, buildWindows, stableThroughput, mean };
