'use strict';
// Shared machinery of the fault suite (tests/faults/README.md): one stack per test file, flows
// submitted through protifer's gateway (tools/gateway/gateway.js), and the accounting every
// scenario ends with: submitted, completed, failed (with reasons), lost, duplicated, re-executed,
// recovery time. Each scenario prints its matrix row as one `FAULT-MATRIX {json}` line and appends
// it to $FAULTS_MATRIX_DIR/matrix.jsonl (ctest: build/<preset>/tests/faults/), from which
// matrix.md (one table, the latest row per scenario) is regenerated.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const gateway = require('../../tools/gateway/gateway.js');
const { Stack, waitFor, sleep } = require('../../tools/stack/stack.js');

const bullmq = gateway.resolveBullmq();
const { Queue, QueueEvents, Job } = bullmq;

// FAULTS_LONG=1: larger N and unscaled margins (README). The default is sized for CI.
const LONG = process.env.FAULTS_LONG === '1';
const pick = (short, long) => (LONG ? long : short);

// Scaled worker settings: locks and stalled checks in seconds instead of minutes, keepalive 1 s
// (gRPC's floor), deadlines well above the stub's scaled service times.
const SCALED_ENV = Object.freeze({
  BULLMQ_LOCK_DURATION_MS: '2000',
  BULLMQ_LOCK_RENEW_TIME_MS: '500',
  BULLMQ_STALLED_INTERVAL_MS: '1000',
  TRITON_DEADLINE_MS: '15000',
  TRITON_KEEPALIVE_TIME_MS: '1000',
  TRITON_KEEPALIVE_TIMEOUT_MS: '1000',
  TRITON_RETRY_BASE_BACKOFF_MS: '100',
  BOOT_RETRY_INTERVAL_MS: '200',
  DRAIN_TIMEOUT_MS: '5000',
  METRICS_ENABLED: 'false',
});

// Sequences: deterministic per (scenario, index), distinct, over the 20 standard residues.
const RESIDUES = 'ACDEFGHIKLMNPQRSTVWY';
function makeSequence(tag, index, length) {
  let s = 'M';
  for (let block = 0; s.length < length; block++) {
    const digest = crypto.createHash('sha256').update(`${tag}/${index}/${block}`).digest();
    for (const byte of digest) {
      if (s.length >= length) break;
      s += RESIDUES[byte % 20];
    }
  }
  return s;
}

class Scenario {
  // name: matrix key; stackOptions: Stack.start options (metrics off unless given).
  static async start(name, stackOptions = {}) {
    const sc = new Scenario(name);
    sc.stack = await Stack.start({ metrics: false, ...stackOptions });
    const connection = sc.stack.connection();
    sc.gw = gateway.createGateway({ connection, bullmq });
    sc.queues = { embedding: new Queue('embedding', { connection }), prediction: new Queue('prediction', { connection }) };
    sc.events = {};
    for (const queueName of ['embedding', 'prediction']) {
      const qe = new QueueEvents(queueName, { connection });
      const counts = new Map();  // jobId -> {completed, failed}
      for (const event of ['completed', 'failed']) {
        qe.on(event, ({ jobId }) => {
          if (!counts.has(jobId)) counts.set(jobId, { completed: 0, failed: 0 });
          counts.get(jobId)[event]++;
        });
      }
      qe.on('error', () => { /* reconnects by itself (Redis restarts) */ });
      sc.events[queueName] = { qe, counts };
    }
    await Promise.all(Object.values(sc.events).map(e => e.qe.waitUntilReady()));
    return sc;
  }

  // A stack whose two workers each dial kserve-stub through their own faultproxy
  // (sc.proxies.prediction / .embedding: {address, control(command), proc}).
  static async startBehindProxies(name, env = {}) {
    const sc = await Scenario.start(name, { startWorkers: false });
    sc.proxies = {};
    for (const kind of ['prediction', 'embedding']) {
      sc.proxies[kind] = await sc.stack.addFaultproxy(`faultproxy-${kind}`);
    }
    await Promise.all(['prediction', 'embedding'].map(kind =>
      sc.stack.startWorker(kind, { ...SCALED_ENV, ...env, TRITON_URL: sc.proxies[kind].address })));
    return sc;
  }

  // Records of 'Triton call failed — retrying' across the workers of `kind`.
  retries(kind) {
    return this.workerRecords(kind).filter(r => r.msg === 'Triton call failed — retrying');
  }

  constructor(name) {
    this.name = name;
    this.flows = [];      // {index, sequence, jobId, embJobId, submittedAt}
    this.extra = [];      // standalone jobs: {queueName, jobId}
    this.failed = false;  // set by run() when the body throws: logs are kept
  }

  // Submits flows [from, from+n) exactly as the gateway does; returns them.
  async submitFlows(n, { length = 48, requestId, from = this.flows.length, spacingMs = 0 } = {}) {
    const out = [];
    for (let i = from; i < from + n; i++) {
      const sequence = makeSequence(this.name, i, typeof length === 'function' ? length(i) : length);
      const r = await this.gw.submit({
        sequence, userId: `faults-${this.name}`, plan: ['free', 'pro', 'enterprise'][i % 3],
        requestId: requestId ? `${requestId}-${i}` : undefined,
      });
      assert.equal(r.enqueued, true, `flow ${i} enqueued`);
      const flow = { index: i, sequence, jobId: r.jobId, embJobId: r.embJobId, submittedAt: Date.now(), requestId: r.predictionData.request_id };
      this.flows.push(flow);
      out.push(flow);
      if (spacingMs) await sleep(spacingMs);
    }
    return out;
  }

  // Waits until every submitted flow's parent (and every extra job) is completed or failed, or
  // until timeoutMs; does not throw on timeout (what is left counts as lost).
  async settle(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all([
        ...this.flows.map(f => this.queues.prediction.getJobState(f.jobId)),
        ...this.extra.map(j => this.queues[j.queueName].getJobState(j.jobId)),
      ]);
      if (states.every(s => s === 'completed' || s === 'failed')) return true;
      if (Date.now() > deadline) return false;
      await sleep(200);
    }
  }

  // Every JSON log record of every process of `kind` ('prediction' | 'embedding'), killed ones too.
  workerRecords(kind) {
    return this.stack.workerProcs(kind).flatMap(p => p.records().map(r => ({ ...r, proc: p.name })));
  }

  // Accounting of one job: state, reason, completions seen three ways, re-executions.
  async #account(queueName, jobId) {
    const job = await Job.fromId(this.queues[queueName], jobId);
    const state = job ? await job.getState() : 'missing';
    const name = `${queueName}-worker`;
    const recs = this.workerRecords(queueName).filter(r => r.jobId === jobId);
    const workerCompleted = recs.filter(r => r.msg === `${name} job completed`).length;
    const processing = recs.filter(r => r.msg === `Processing ${queueName} job`).length;
    const logs = job ? (await this.queues[queueName].getJobLogs(jobId)).logs : [];
    const stored = logs.filter(l => l.startsWith(`Stored ${queueName} at `)).length;
    const events = this.events[queueName].counts.get(jobId) || { completed: 0, failed: 0 };
    let objectOk = true;
    let modelErrors = 0;
    let modelErrorDetails = {};
    if (state === 'completed') {
      const ref = queueName === 'prediction' ? job.returnvalue?.predictionRef : job.returnvalue?.embeddingRef;
      const file = ref && this.stack.objectPath(ref);
      objectOk = Boolean(file && fs.existsSync(file) && fs.statSync(file).size > 0);
      if (objectOk && queueName === 'prediction') {
        const storedJson = JSON.parse(fs.readFileSync(file, 'utf8'));
        modelErrorDetails = storedJson.modelErrors || {};  // {output: {code, message, failedAt}}
        modelErrors = Object.keys(modelErrorDetails).length;
        objectOk = storedJson.schemaVersion === 2 && Object.keys(storedJson.outputs || {}).length + modelErrors === 8;
      }
    }
    return {
      queueName, jobId, state, failedReason: job?.failedReason, finishedOn: job?.finishedOn,
      attemptsStarted: job?.attemptsStarted ?? 0, stalledCounter: job?.stalledCounter ?? 0,
      workerCompleted, completedEvents: events.completed, stored, processing, objectOk, modelErrors, modelErrorDetails,
      ref: job?.returnvalue?.predictionRef || job?.returnvalue?.embeddingRef,
    };
  }

  // The matrix figures. Definitions (README):
  //   completed  parent `completed` AND its stored prediction exists and parses (8 outputs or
  //              modelErrors); failed: parent `failed`; lost: anything else after settle().
  //   duplicated a job (parent or child) completed more than once: more than one `<name> job
  //              completed` line across all worker processes, or more than one QueueEvents
  //              `completed` event.
  //   reexecuted a job whose processor ran more than once (attemptsStarted > 1, or more than one
  //              `Processing … job` line): expected after kills; BullMQ is at-least-once.
  async tally() {
    const parents = await Promise.all(this.flows.map(f => this.#account('prediction', f.jobId)));
    const children = await Promise.all(this.flows.map(f => this.#account('embedding', f.embJobId)));
    const extras = await Promise.all(this.extra.map(j => this.#account(j.queueName, j.jobId)));
    const all = [...parents, ...children, ...extras];
    const reasons = {};
    for (const a of [...parents, ...extras]) {
      if (a.state !== 'failed') continue;
      const key = normaliseReason(a.failedReason);
      reasons[key] = (reasons[key] || 0) + 1;
    }
    const completed = parents.filter(a => a.state === 'completed' && a.objectOk).length
      + extras.filter(a => a.state === 'completed' && a.objectOk).length;
    const failed = parents.filter(a => a.state === 'failed').length + extras.filter(a => a.state === 'failed').length;
    const duplicates = all.filter(a => a.workerCompleted > 1 || a.completedEvents > 1);
    const reexecuted = all.filter(a => a.attemptsStarted > 1 || a.processing > 1 || a.stored > 1);
    return {
      submitted: this.flows.length + this.extra.length,
      completed,
      failed,
      lost: this.flows.length + this.extra.length - completed - failed,
      duplicated: duplicates.length,
      reexecuted: reexecuted.length,
      modelErrors: parents.reduce((n, a) => n + a.modelErrors, 0),
      reasons,
      lostJobs: [...parents, ...extras].filter(a => !(a.state === 'failed' || (a.state === 'completed' && a.objectOk)))
        .map(a => `${a.queueName}:${a.jobId.slice(0, 12)} ${a.state}${a.objectOk ? '' : ' (no stored object)'}`),
      duplicateJobs: duplicates.map(a => `${a.queueName}:${a.jobId.slice(0, 12)} lines=${a.workerCompleted} events=${a.completedEvents}`),
      parents, children, extras,
    };
  }

  // Time from `since` (ms epoch) to the first parent completion at or after `after`.
  firstCompletionAfter(tally, since, after = since) {
    const times = tally.parents.filter(a => a.state === 'completed' && a.finishedOn >= after).map(a => a.finishedOn);
    return times.length ? Math.min(...times) - since : null;
  }

  // Prints and files the matrix row.
  record(tally, { recoveryMs = null, notes = '' } = {}) {
    const row = {
      scenario: this.name, N: tally.submitted, completed: tally.completed, failed: tally.failed,
      lost: tally.lost, duplicated: tally.duplicated, reexecuted: tally.reexecuted,
      recoveryMs: recoveryMs === null ? null : Math.round(recoveryMs), modelErrors: tally.modelErrors,
      reasons: tally.reasons, notes, long: LONG, at: new Date().toISOString(),
    };
    process.stdout.write(`FAULT-MATRIX ${JSON.stringify(row)}\n`);
    writeMatrix(row);
    return row;
  }

  // The checks every scenario makes: nothing lost, nothing completed twice.
  static assertNoLossNoDuplicate(tally) {
    assert.equal(tally.lost, 0, `lost jobs: ${tally.lostJobs.join(', ')}`);
    assert.equal(tally.duplicated, 0, `jobs completed twice: ${tally.duplicateJobs.join(', ')}`);
  }

  // Body runner: on failure the logs are dumped and kept.
  async run(fn) {
    try {
      return await fn();
    } catch (err) {
      this.failed = true;
      this.stack?.dumpLogs(`${this.name}: ${err.message.split('\n')[0]}`);
      throw err;
    }
  }

  async stop() {
    const closers = [this.gw?.close(), ...Object.values(this.queues || {}).map(q => q.close()),
      ...Object.values(this.events || {}).map(e => e.qe.close())];
    await Promise.allSettled(closers.filter(Boolean));
    if (this.stack) {
      if (this.failed) process.stderr.write(`faults/${this.name}: logs kept in ${this.stack.dir}\n`);
      await this.stack.stop({ keepDir: this.failed });
    }
  }
}

// Failure reasons grouped: job ids and numbers out, so the matrix shows kinds, not instances.
function normaliseReason(reason = '') {
  return reason.replace(/bull:embedding:[0-9a-f]{64}/g, 'bull:embedding:<id>').replace(/\d+/g, 'N').slice(0, 120);
}

function matrixDir() {
  return process.env.FAULTS_MATRIX_DIR || path.join(__dirname, '..', '..', 'build', 'faults');
}

function writeMatrix(row) {
  const dir = matrixDir();
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, 'matrix.jsonl'), `${JSON.stringify(row)}\n`);
  const latest = new Map();
  for (const line of fs.readFileSync(path.join(dir, 'matrix.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    try {
      const r = JSON.parse(line);
      latest.set(`${r.scenario}${r.long ? ' (long)' : ''}`, r);
    } catch { /* a torn line from a concurrent writer */ }
  }
  const lines = [
    '| scenario | N | completed | failed | lost | duplicated | re-executed | recovery | failure reasons | notes |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [key, r] of [...latest.entries()].sort()) {
    const reasons = Object.entries(r.reasons || {}).map(([k, v]) => `${v}× ${k}`).join('; ') || '—';
    const recovery = r.recoveryMs === null ? '—' : `${(r.recoveryMs / 1000).toFixed(1)} s`;
    lines.push(`| ${key} | ${r.N} | ${r.completed} | ${r.failed} | ${r.lost} | ${r.duplicated} | ${r.reexecuted} | ${recovery} | ${reasons.replace(/\|/g, '/')} | ${(r.notes || '').replace(/\|/g, '/')} |`);
  }
  const tmp = path.join(dir, `matrix.md.${process.pid}`);
  fs.writeFileSync(tmp, `${lines.join('\n')}\n`);
  fs.renameSync(tmp, path.join(dir, 'matrix.md'));
}

// Jobs a worker process had started and not finished (per its own log) at this moment.
function inFlightOn(proc, queueName) {
  const started = new Set();
  for (const r of proc.records()) {
    if (!r.jobId) continue;
    if (r.msg === `Processing ${queueName} job`) started.add(r.jobId);
    if (r.msg === `${queueName}-worker job completed` || r.msg === `${queueName}-worker job failed`) started.delete(r.jobId);
  }
  return [...started];
}

module.exports = { Scenario, SCALED_ENV, LONG, pick, makeSequence, inFlightOn, waitFor, sleep, gateway, bullmq, Job };
