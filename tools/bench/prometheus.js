'use strict';
// Prometheus text exposition: scrape, parse, and the arithmetic the benchmark needs on it
// (counter deltas between two scrapes, quantiles from histogram buckets). The harness reads
// the same /metrics pages an operator would, so the numbers it reports are the ones the
// runbook tells people to watch.
const http = require('node:http');

function fetchText(port, path = '/metrics', timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs }, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', chunk => { body += chunk; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body)
        : reject(new Error(`GET :${port}${path}: HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET :${port}${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

// [{name, labels: {k: v}, value}] for every sample line; comments skipped.
function parse(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[2]) {
      for (const lm of m[2].matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]] = lm[2];
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

async function scrape(port) {
  if (!port) return [];
  return parse(await fetchText(port));
}

function matches(sample, name, filter) {
  if (sample.name !== name) return false;
  for (const [k, v] of Object.entries(filter || {})) {
    if (typeof v === 'function' ? !v(sample.labels[k]) : sample.labels[k] !== v) return false;
  }
  return true;
}

// Sum of every sample of `name` whose labels match `filter` (value or predicate per label).
function sum(samples, name, filter) {
  return samples.filter(s => matches(s, name, filter)).reduce((a, s) => a + s.value, 0);
}

// {labelValue: summed value} grouped by one label.
function groupBy(samples, name, label, filter) {
  const out = {};
  for (const s of samples) {
    if (!matches(s, name, filter)) continue;
    const key = s.labels[label] ?? '';
    out[key] = (out[key] || 0) + s.value;
  }
  return out;
}

function max(samples, name, filter) {
  return samples.filter(s => matches(s, name, filter)).reduce((a, s) => Math.max(a, s.value), 0);
}

// Cumulative buckets [{le, count}] of histogram `name` (summed over matching series), after
// subtracting an earlier scrape so only the interval between the two is seen.
function histogram(after, before, name, filter) {
  const collect = samples => {
    const byLe = new Map();
    for (const s of samples) {
      if (!matches(s, `${name}_bucket`, filter)) continue;
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      byLe.set(le, (byLe.get(le) || 0) + s.value);
    }
    return byLe;
  };
  const a = collect(after);
  const b = collect(before || []);
  const buckets = [...a.entries()].map(([le, count]) => ({ le, count: count - (b.get(le) || 0) }))
    .sort((x, y) => x.le - y.le);
  const total = sum(after, `${name}_count`, filter) - sum(before || [], `${name}_count`, filter);
  const seconds = sum(after, `${name}_sum`, filter) - sum(before || [], `${name}_sum`, filter);
  return { buckets, count: total, sum: seconds };
}

// Quantile q (0..1) by linear interpolation inside the bucket, as Prometheus'
// histogram_quantile does; the open +Inf bucket answers its lower bound.
function quantile(hist, q) {
  const { buckets, count } = hist;
  if (!count) return NaN;
  const rank = q * count;
  let prevLe = 0;
  let prevCount = 0;
  for (const { le, count: c } of buckets) {
    if (c >= rank) {
      if (le === Infinity) return prevLe;
      const inBucket = c - prevCount;
      return inBucket > 0 ? prevLe + (le - prevLe) * ((rank - prevCount) / inBucket) : le;
    }
    prevLe = le;
    prevCount = c;
  }
  return prevLe;
}

module.exports = { fetchText, parse, scrape, sum, groupBy, max, histogram, quantile };
