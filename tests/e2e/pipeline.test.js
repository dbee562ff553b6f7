'use strict';
// End to end: protifer's gateway side (tools/gateway/gateway.js on the bullmq named by
// PROTIFER_BULLMQ_DIR) -> Redis -> the C++ embedding-worker and prediction-worker -> kserve-stub
// -> the filesystem object store, checked from the Node side as protifer's gateway and a Node
// BullMQ user see it. One stack per run (tests/e2e/harness.js); the tests run in order.
//
//   PREDICTION_WORKER_BIN=… EMBEDDING_WORKER_BIN=… KSERVE_STUB_BIN=… PROTIFER_BULLMQ_DIR=… \
//     node --test --test-reporter=spec tests/e2e/pipeline.test.js
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const gateway = require('../../tools/gateway/gateway.js');
const { Stack, waitFor } = require('../../tools/stack/stack.js');

const bullmq = gateway.resolveBullmq();
const { Queue, QueueEvents, FlowProducer, Worker, Job } = bullmq;
const BULLMQ_VERSION = gateway.bullmqVersion();
const EMB = gateway.DEV_EMBEDDING_MODEL;
const SUITE = gateway.DEV_PREDICTION_MODELS;
const WAIT_MS = 60000;

// Sequences: fixed, deterministic (an LCG over the 20 standard residues), one per use so no two
// tests share a job id.
const AMINO_ACIDS = 'ACDEFGHIKLMNPQRSTVWY';
function sequenceOf(length, seed) {
  let x = seed >>> 0;
  let s = 'M';
  while (s.length < length) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += AMINO_ACIDS[(x >>> 16) % 20];
  }
  return s;
}
const HAPPY = [
  { length: 30, seed: 1, plan: 'enterprise', requestId: 'e2e-req-30', accession: 'P0E2E1' },
  { length: 64, seed: 2, plan: 'pro' },
  { length: 120, seed: 3, plan: 'free', requestId: 'e2e-req-120' },
  { length: 200, seed: 4, priority: 7 },
  { length: 300, seed: 5, plan: 'pro', accession: 'P0E2E5' },
  { length: 400, seed: 6, plan: 'enterprise', requestId: 'e2e-req-400' },
].map(s => ({ ...s, sequence: sequenceOf(s.length, s.seed) }));

const OUTPUT_KEYS = [
  'prott5_secondary_structure', 'tmbed', 'seth', 'bindembed',
  'prott5_conservation', 'variation', 'light_attention_subcellular', 'light_attention_membrane',
];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let stack;
let gw;
let queues;       // {embedding: Queue, prediction: Queue}
let events;       // {embedding: EventLog, prediction: EventLog}
let failures = 0;
const happy = []; // submissions of the happy path, reused by later tests

// Every event QueueEvents delivers, per job id, in arrival order.
class EventLog {
  constructor(queueName, connection) {
    this.queueEvents = new QueueEvents(queueName, { connection });
    this.byJob = new Map();
    for (const name of ['added', 'waiting', 'active', 'progress', 'completed', 'failed']) {
      this.queueEvents.on(name, args => {
        if (!this.byJob.has(args.jobId)) this.byJob.set(args.jobId, []);
        this.byJob.get(args.jobId).push({ event: name, ...args });
      });
    }
  }
  of(jobId) { return this.byJob.get(jobId) || []; }
  progress(jobId) { return this.of(jobId).filter(e => e.event === 'progress').map(e => e.data); }
  async waitFor(jobId, event) {
    return waitFor(`QueueEvents '${event}' of ${jobId}`,
      () => this.of(jobId).find(e => e.event === event), { timeoutMs: WAIT_MS });
  }
}

// A test that prints the workers' logs when it fails.
function it(name, fn, options = {}) {
  test(name, { timeout: 120000, ...options }, async t => {
    try {
      await fn(t);
    } catch (err) {
      failures++;
      if (stack) stack.dumpLogs(`failed: ${name}`);
      throw err;
    }
  });
}

async function waitForState(queueName, jobId, states = ['completed', 'failed']) {
  let last;
  await waitFor(`${queueName} job ${jobId} to be ${states.join('|')} (last state ${last})`, async () => {
    last = await queues[queueName].getJobState(jobId);
    return states.includes(last);
  }, { timeoutMs: WAIT_MS, intervalMs: 100 });
  return Job.fromId(queues[queueName], jobId);
}

async function jobLogs(queueName, jobId) {
  return (await queues[queueName].getJobLogs(jobId)).logs;
}

function workerRecord(kind, predicate) {
  return stack.workers[kind].find(predicate);
}

// StoredPredictionV2 (contract §2.3, §2.4) when every model succeeded, for an embedding of L rows.
function assertStoredPrediction(stored, L, predictionModels) {
  assert.deepEqual(Object.keys(stored), ['schemaVersion', 'versions', 'outputs'],
    'top-level keys in write order; modelErrors only when a model failed');
  assert.equal(stored.schemaVersion, 2);
  assert.deepEqual(stored.versions, predictionModels, 'versions = job predictionModels verbatim');
  const o = stored.outputs;
  assert.deepEqual(Object.keys(o).sort(), [...OUTPUT_KEYS].sort());
  const ss = o.prott5_secondary_structure;
  assert.deepEqual(Object.keys(ss), ['dssp3', 'dssp8']);
  assert.match(ss.dssp3, new RegExp(`^[HEC]{${L}}$`));
  assert.match(ss.dssp8, new RegExp(`^[HGIBESTC]{${L}}$`));
  assert.deepEqual(Object.keys(o.tmbed), ['labels', 'probabilities']);
  assert.match(o.tmbed.labels, new RegExp(`^[BbHhSio]{${L}}$`));
  assert.equal(o.tmbed.probabilities.length, L);
  for (const row of o.tmbed.probabilities) assert.equal(row.length, 5);
  assert.equal(o.seth.length, L);
  assert.ok(o.seth.every(v => v === null || typeof v === 'number'));
  assert.deepEqual(Object.keys(o.bindembed), ['metal', 'nucleicAcids', 'smallMolecules']);
  for (const k of ['metal', 'nucleicAcids', 'smallMolecules']) assert.match(o.bindembed[k], new RegExp(`^[b-]{${L}}$`));
  assert.equal(o.prott5_conservation.length, L);
  assert.ok(o.prott5_conservation.every(v => Number.isInteger(v) && v >= 0 && v <= 8));
  assert.deepEqual(Object.keys(o.variation), ['x_axis', 'y_axis', 'values']);
  assert.deepEqual(o.variation.x_axis, Array.from({ length: L }, (_, i) => String(i + 1)));
  assert.equal(o.variation.y_axis.length, 20);
  assert.equal(o.variation.values.length, 20);
  for (const row of o.variation.values) assert.equal(row.length, L);
  assert.equal(typeof o.light_attention_subcellular, 'string');
  assert.ok(o.light_attention_subcellular.length > 0);
  assert.ok(['Membrane bound', 'Soluble'].includes(o.light_attention_membrane), o.light_attention_membrane);
}

// Prometheus text: the sum of the samples of `name` whose labels include `labels`.
function metricSum(text, name, labels) {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = {};
    for (const [, k, v] of (m[2] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) have[k] = v;
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      sum += Number(m[3]);
      found = true;
    }
  }
  return found ? sum : undefined;
}

before(async () => {
  process.stderr.write(`e2e: bullmq ${BULLMQ_VERSION} from ${process.env.PROTIFER_BULLMQ_DIR || '(repository)'}\n`);
  stack = await Stack.start();
  const connection = stack.connection();
  gw = gateway.createGateway({ connection, bullmq });
  queues = { embedding: new Queue('embedding', { connection }), prediction: new Queue('prediction', { connection }) };
  events = { embedding: new EventLog('embedding', connection), prediction: new EventLog('prediction', connection) };
  await Promise.all(Object.values(events).map(e => e.queueEvents.waitUntilReady()));
});

after(async () => {
  const closers = [];
  if (gw) closers.push(gw.close());
  for (const q of Object.values(queues || {})) closers.push(q.close());
  for (const e of Object.values(events || {})) closers.push(e.queueEvents.close());
  await Promise.allSettled(closers);
  if (stack) {
    if (failures) process.stderr.write(`e2e: ${failures} test(s) failed; logs kept in ${stack.dir}\n`);
    await stack.stop({ keepDir: failures > 0 });
  }
});

it('both workers consume their queues and Queue.getWorkers() lists them', async () => {
  for (const queueName of ['embedding', 'prediction']) {
    const workers = await queues[queueName].getWorkers();
    assert.ok(workers.length >= 1, `getWorkers('${queueName}') is empty`);
    const b64 = Buffer.from(queueName).toString('base64');
    assert.ok(workers.every(w => String(w.rawname || w.name).startsWith(`bull:${b64}`)),
      JSON.stringify(workers.map(w => w.rawname || w.name)));
  }
  const consuming = workerRecord('prediction', r => r.msg === 'prediction-worker consuming');
  assert.equal(consuming.queueName, 'prediction');
  assert.equal(consuming.concurrency, 4);
  assert.equal(consuming.name, 'prediction-worker');
  assert.equal(typeof consuming.level, 'number');
  assert.equal(typeof consuming.pid, 'number');
  assert.equal(workerRecord('embedding', r => r.msg === 'embedding-worker consuming').queueName, 'embedding');
  assert.ok(workerRecord('embedding', r => r.msg === 'ModelReady ok' && r.model === 'prot_t5_pipeline'));
  for (const model of ['prott5_sec', 'tmbed', 'seth', 'bind_embed', 'prott5_cons', 'vespag',
    'light_attention_subcell', 'light_attention_membrane']) {
    assert.ok(workerRecord('prediction', r => r.msg === 'ModelReady ok' && r.model === model), `ModelReady ok ${model}`);
  }
});

it('happy path: six flows through the gateway complete, results stored where the gateway looks', async () => {
  for (const s of HAPPY) {
    const r = await gw.submit({
      sequence: s.sequence, userId: 'e2e-user', plan: s.plan, priority: s.priority,
      requestId: s.requestId, accession: s.accession,
    });
    assert.equal(r.enqueued, true);
    happy.push({ ...s, submission: r });
  }
  await Promise.all(happy.map(h => h.submission.flow.job.waitUntilFinished(events.prediction.queueEvents, WAIT_MS)));

  for (const h of happy) {
    const { submission: r, sequence } = h;
    const L = sequence.length;
    const parent = await Job.fromId(queues.prediction, r.jobId);
    const child = await Job.fromId(queues.embedding, r.embJobId);
    assert.equal(await parent.getState(), 'completed', `parent of L=${L}`);
    assert.equal(await child.getState(), 'completed', `child of L=${L}`);

    // what the gateway enqueued
    assert.equal(parent.name, 'prediction');
    assert.equal(child.name, 'embedding');
    assert.equal(parent.opts.priority, r.priority);
    assert.equal(child.opts.priority, r.priority);
    assert.equal(child.parentKey, `bull:prediction:${r.jobId}`);
    assert.equal(parent.data.submittedAt, child.data.submittedAt);
    assert.equal(parent.data.request_id, h.requestId);
    assert.equal(child.data.accession, h.accession);

    // embedding child
    const embRef = gateway.embeddingRefKey(child.data.embeddingModel, child.data.sequenceHash);
    assert.deepEqual(Object.keys(child.returnvalue).sort(), ['computedAt', 'embeddingRef']);
    assert.equal(child.returnvalue.embeddingRef, embRef);
    assert.match(child.returnvalue.computedAt, ISO);
    assert.equal(fs.statSync(stack.objectPath(embRef)).size, L * 2048, 'stored embedding = L x 1024 FP16');
    assert.equal(child.progress, 100);
    const childLogs = await jobLogs('embedding', r.embJobId);
    assert.ok(childLogs.includes(`Stored embedding at ${embRef} (${L * 2048} FP16 bytes)`), JSON.stringify(childLogs));

    // prediction parent
    const predRef = gateway.predictionRefKey(parent.data.embeddingModel, parent.data.predictionModels,
      parent.data.sequenceHash);
    assert.deepEqual(Object.keys(parent.returnvalue).sort(), ['computedAt', 'predictionRef']);
    assert.equal(parent.returnvalue.predictionRef, predRef);
    assert.match(parent.returnvalue.computedAt, ISO);
    assert.equal(parent.progress, 100);
    const children = await parent.getChildrenValues();
    assert.deepEqual(children[`bull:embedding:${r.embJobId}`], child.returnvalue);
    const parentLogs = await jobLogs('prediction', r.jobId);
    assert.ok(parentLogs.includes(`Stored prediction at ${predRef}`), JSON.stringify(parentLogs));
    const stored = JSON.parse(fs.readFileSync(stack.objectPath(predRef), 'utf8'));
    assertStoredPrediction(stored, L, parent.data.predictionModels);

    // events, as QueueEvents listeners (the gateway's bookkeeping) receive them
    const childDone = await events.embedding.waitFor(r.embJobId, 'completed');
    assert.deepEqual(JSON.parse(JSON.stringify(childDone.returnvalue)), child.returnvalue);
    await events.prediction.waitFor(r.jobId, 'completed');
    const pp = events.prediction.progress(r.jobId).map(Number);
    for (const p of [10, 30, 80, 100]) assert.ok(pp.includes(p), `prediction progress ${p} in ${pp}`);
    const ep = events.embedding.progress(r.embJobId).map(Number);
    for (const p of [10, 70, 100]) assert.ok(ep.includes(p), `embedding progress ${p} in ${ep}`);

    // worker logs
    const done = workerRecord('prediction', rec => rec.msg === 'prediction-worker job completed' && rec.jobId === r.jobId);
    assert.ok(done, `prediction-worker job completed ${r.jobId}`);
    if (h.requestId) assert.equal(done.request_id, h.requestId);
    assert.ok(workerRecord('embedding', rec => rec.msg === 'embedding-worker job completed' && rec.jobId === r.embJobId));
  }

  // Last, so that the checks above still run: the return values keep protifer's key order
  // (JSON.stringify of {embeddingRef, computedAt} / {predictionRef, computedAt}), in the job hash
  // and in the parent's :processed hash alike.
  for (const { submission: r } of happy) {
    const child = await Job.fromId(queues.embedding, r.embJobId);
    const parent = await Job.fromId(queues.prediction, r.jobId);
    assert.deepEqual(Object.keys(child.returnvalue), ['embeddingRef', 'computedAt'], 'embedding returnvalue key order');
    assert.deepEqual(Object.keys(parent.returnvalue), ['predictionRef', 'computedAt'], 'prediction returnvalue key order');
    const processed = await parent.getChildrenValues();
    assert.deepEqual(Object.keys(processed[`bull:embedding:${r.embJobId}`]), ['embeddingRef', 'computedAt']);
  }
});

it('dedup: the same sequence again, or the same suite in another order, enqueues nothing', async () => {
  const first = happy[0].submission;
  const countsBefore = await queues.prediction.getJobCounts();
  const again = await gw.submit({ sequence: happy[0].sequence, userId: 'e2e-user', plan: 'free' });
  assert.equal(again.enqueued, false);
  assert.equal(again.existingState, 'completed');
  assert.equal(again.jobId, first.jobId);

  // §2.6: the model list is sorted by name before hashing, so the prediction job id and the
  // result key do not depend on the order of predictionModels.
  const reversed = [...SUITE].reverse();
  assert.equal(gateway.computePredictionJobId(happy[0].sequence, EMB, reversed), first.jobId);
  assert.equal(gateway.predictionRefKey(EMB, reversed, first.sequenceHash),
    gateway.predictionRefKey(EMB, SUITE, first.sequenceHash));
  const reorder = await gw.submit({ sequence: happy[0].sequence, userId: 'e2e-user', predictionModels: reversed });
  assert.equal(reorder.jobId, first.jobId);
  assert.equal(reorder.enqueued, false);
  assert.deepEqual(await queues.prediction.getJobCounts(), countsBefore);
  assert.equal((await queues.prediction.getJob(first.jobId)).data.submittedAt, first.submittedAt);
});

it('another suite for an embedded sequence: new prediction id, same embedding id; BullMQ will not re-parent it', async () => {
  // Protifer behaviour, not the workers': the child id depends only on sequence + embedding
  // model, and the completed embedding job still belongs to the first flow's parent, so the
  // child add returns -7 inside the flow's MULTI (FlowProducer does not surface it) and the new
  // parent waits for children it will never get (contract §12.1 is the related open question).
  const h = happy[1];
  const suite8 = [...SUITE, { name: 'variation', version: 'dev' }];
  const r = await gw.submit({ sequence: h.sequence, userId: 'e2e-user', predictionModels: suite8 });
  assert.equal(r.enqueued, true);
  assert.notEqual(r.jobId, h.submission.jobId);
  assert.equal(r.embJobId, h.submission.embJobId);
  assert.equal(await queues.prediction.getJobState(r.jobId), 'waiting-children');
  const parent = await Job.fromId(queues.prediction, r.jobId);
  assert.deepEqual(await parent.getDependenciesCount(), { processed: 0, unprocessed: 0, ignored: 0, failed: 0 });
  const child = await Job.fromId(queues.embedding, r.embJobId);
  assert.equal(child.parentKey, `bull:prediction:${h.submission.jobId}`);
  await parent.remove();
});

it('embedding cache: a re-created embedding job reuses the stored embedding (Cache hit) and the flow completes', async () => {
  const sequence = sequenceOf(90, 11);
  const L = sequence.length;
  // First, a standalone embedding job as POST /v1/embeddings adds it; it stores the embedding.
  const standalone = await gw.submitEmbedding({ sequence, userId: 'e2e-user', plan: 'pro' });
  const first = await waitForState('embedding', standalone.jobId);
  assert.equal(await first.getState(), 'completed', first.failedReason);
  const embRef = gateway.embeddingRefKey(EMB, standalone.sequenceHash);
  assert.equal(first.returnvalue.embeddingRef, embRef);
  assert.equal(fs.statSync(stack.objectPath(embRef)).size, L * 2048);
  assert.equal(first.opts.attempts, 5, 'DEFAULT_JOB_OPTIONS apply to Queue.add');
  // Retention removes the job (removeOnComplete); the object stays in the store.
  await first.remove();
  assert.equal(await queues.embedding.getJob(standalone.jobId), undefined);

  const r = await gw.submit({ sequence, userId: 'e2e-user', plan: 'pro' });
  assert.equal(r.enqueued, true);
  assert.equal(r.embJobId, standalone.jobId);
  await r.flow.job.waitUntilFinished(events.prediction.queueEvents, WAIT_MS);
  const child = await Job.fromId(queues.embedding, r.embJobId);
  assert.equal(await child.getState(), 'completed');
  assert.equal(child.returnvalue.embeddingRef, embRef);
  const logs = await jobLogs('embedding', r.embJobId);
  assert.deepEqual(logs, [`Cache hit: reusing stored embedding at ${embRef}`]);
  assert.equal(child.progress, 0, 'a cache hit does not touch progress');
  const parent = await Job.fromId(queues.prediction, r.jobId);
  const predRef = gateway.predictionRefKey(EMB, SUITE, r.sequenceHash);
  assert.equal(parent.returnvalue.predictionRef, predRef);
  assertStoredPrediction(JSON.parse(fs.readFileSync(stack.objectPath(predRef), 'utf8')), L, SUITE);
});

it('embedding failure cascades: child failed with the Triton error, parent failed with "child bull:embedding:<id> failed"', async () => {
  const reply = await stack.control('fail prot_t5_pipeline 10 INVALID_ARGUMENT bad input');
  assert.match(reply, /^ok/);
  try {
    const sequence = sequenceOf(50, 21);
    const r = await gw.submit({ sequence, userId: 'e2e-user', plan: 'free', requestId: 'e2e-req-cascade' });
    const parent = await waitForState('prediction', r.jobId);
    const child = await Job.fromId(queues.embedding, r.embJobId);
    assert.equal(await child.getState(), 'failed');
    assert.match(child.failedReason, /bad input/);
    assert.match(child.failedReason, /INVALID_ARGUMENT/);
    assert.equal(child.attemptsMade, 1, 'flow children are single-attempt');
    assert.equal(await parent.getState(), 'failed');
    assert.equal(parent.failedReason, `child bull:embedding:${r.embJobId} failed`);
    assert.ok(parent.failedReason.startsWith('child '), 'the gateway keys EMBEDDING_FAILED on this prefix');
    assert.equal(fs.existsSync(stack.objectPath(gateway.embeddingRefKey(EMB, r.sequenceHash))), false);
    const childFailed = await events.embedding.waitFor(r.embJobId, 'failed');
    assert.equal(childFailed.failedReason, child.failedReason);
    const parentFailed = await events.prediction.waitFor(r.jobId, 'failed');
    assert.equal(parentFailed.failedReason, parent.failedReason);
    const logged = await waitFor('embedding-worker job failed', () => workerRecord('embedding',
      rec => rec.msg === 'embedding-worker job failed' && rec.jobId === r.embJobId), { timeoutMs: 5000 });
    assert.equal(logged.request_id, 'e2e-req-cascade');
  } finally {
    assert.match(await stack.control('clear'), /^ok/);
  }
});

it('bad job data fails at once, without retries, naming the field', async () => {
  const valid = () => ({
    sequence: 'MKTVRQERLK', sequenceHash: gateway.computeSequenceHash('MKTVRQERLK'),
    embeddingModel: { ...EMB }, userId: 'e2e-user', submittedAt: new Date().toISOString(),
  });
  const cases = [
    ['embedding', 'bad-emb-empty', {}, "invalid job data: field 'sequence' is missing"],
    ['embedding', 'bad-emb-seqnum', { ...valid(), sequence: 42 }, "invalid job data: field 'sequence' must be a string, got number"],
    ['embedding', 'bad-emb-nomodel', { ...valid(), embeddingModel: undefined }, "invalid job data: field 'embeddingModel' is missing"],
    ['prediction', 'bad-pred-empty', {}, "invalid job data: field 'sequence' is missing"],
    ['prediction', 'bad-pred-models', { ...valid(), predictionModels: 'prott5_sec' },
      "invalid job data: field 'predictionModels' must be an array, got string"],
    ['prediction', 'bad-pred-model-entry', { ...valid(), predictionModels: [{ name: 'seth' }] },
      "invalid job data: field 'predictionModels[0].version' is missing"],
  ];
  for (const [queueName, jobId, data] of cases) {
    await queues[queueName].add('bad', data, { jobId, attempts: 3, backoff: { type: 'fixed', delay: 100 } });
  }
  for (const [queueName, jobId, , reason] of cases) {
    const job = await waitForState(queueName, jobId);
    assert.equal(await job.getState(), 'failed', `${queueName}/${jobId}`);
    assert.equal(job.failedReason, reason, `${queueName}/${jobId}`);
    assert.equal(job.attemptsMade, 1, `${queueName}/${jobId}: not retried`);
    await events[queueName].waitFor(jobId, 'failed');
  }
});

it('prediction job without an embedding child fails with protifer\'s message', async () => {
  const sequence = sequenceOf(40, 31);
  const data = {
    sequence, sequenceHash: gateway.computeSequenceHash(sequence), embeddingModel: { ...EMB },
    predictionModels: SUITE.map(m => ({ ...m })), userId: 'e2e-user', submittedAt: new Date().toISOString(),
  };
  await queues.prediction.add('prediction', data, { jobId: 'no-child' });
  const job = await waitForState('prediction', 'no-child');
  assert.equal(await job.getState(), 'failed');
  assert.equal(job.failedReason, 'Embedding child job result missing — cannot retrieve embeddingRef');
});

it('bad stored embeddings (odd, wrong shape, empty, missing) fail the prediction with a readable reason', async () => {
  // The child is a job of a throwaway queue that a Node Worker completes with the embeddingRef
  // under test, so the C++ prediction worker reads exactly the object written here.
  const objects = {
    'emb/e2e/odd': Buffer.alloc(2049),
    'emb/e2e/shape': Buffer.alloc(2050),
    'emb/e2e/empty': Buffer.alloc(0),
  };
  for (const [key, bytes] of Object.entries(objects)) {
    fs.mkdirSync(path.dirname(stack.objectPath(key)), { recursive: true });
    fs.writeFileSync(stack.objectPath(key), bytes);
  }
  const expected = {
    'emb/e2e/odd': 'embedding buffer length 2049 is not valid FP16 (must be even)',
    'emb/e2e/shape': 'embedding buffer length 2050 does not match [seqLen, 1024] FP16 shape',
    'emb/e2e/empty': /^embedding buffer at emb\/e2e\/empty is empty \(0 bytes\)/,
    'emb/e2e/missing': 'Not found: emb/e2e/missing',
  };
  const connection = stack.connection();
  const fakeQueue = `e2e-fake-embedding-${process.pid}`;
  const fakeWorker = new Worker(fakeQueue, async job => ({ embeddingRef: job.data.ref, computedAt: new Date().toISOString() }),
    { connection });
  const flows = new FlowProducer({ connection });
  try {
    const sequence = sequenceOf(16, 41);
    for (const ref of Object.keys(expected)) {
      await flows.add({
        name: 'prediction', queueName: 'prediction', opts: { jobId: `bad-embedding-${path.basename(ref)}` },
        data: {
          sequence, sequenceHash: gateway.computeSequenceHash(sequence), embeddingModel: { ...EMB },
          predictionModels: SUITE.map(m => ({ ...m })), userId: 'e2e-user', submittedAt: new Date().toISOString(),
        },
        children: [{ name: 'embedding', queueName: fakeQueue, data: { ref }, opts: { failParentOnFailure: true } }],
      });
    }
    for (const [ref, reason] of Object.entries(expected)) {
      const jobId = `bad-embedding-${path.basename(ref)}`;
      const job = await waitForState('prediction', jobId);
      assert.equal(await job.getState(), 'failed', jobId);
      if (reason instanceof RegExp) assert.match(job.failedReason, reason, jobId);
      else assert.equal(job.failedReason, reason, jobId);
      const logged = workerRecord('prediction', rec => rec.msg === 'prediction-worker job failed' && rec.jobId === jobId);
      assert.ok(logged, `prediction-worker job failed ${jobId}`);
    }
  } finally {
    await Promise.allSettled([fakeWorker.close(), flows.close()]);
  }
});

it('unknown model names in predictionModels: all 8 adapters still run, versions stored verbatim', async () => {
  // Contract §3.1 and §2.3: predictionModels does not select adapters; it is copied into
  // `versions` as given (the gateway's reader would reject such names, the worker does not check).
  const sequence = sequenceOf(33, 51);
  const models = [{ name: 'not_a_model', version: '7' }, { name: 'seth', version: 'dev' }];
  const r = await gw.submit({ sequence, userId: 'e2e-user', predictionModels: models });
  await r.flow.job.waitUntilFinished(events.prediction.queueEvents, WAIT_MS);
  const parent = await Job.fromId(queues.prediction, r.jobId);
  const predRef = gateway.predictionRefKey(EMB, models, r.sequenceHash);
  assert.equal(parent.returnvalue.predictionRef, predRef);
  assertStoredPrediction(JSON.parse(fs.readFileSync(stack.objectPath(predRef), 'utf8')), sequence.length, models);
});

it('after the bad jobs the workers keep serving: a new flow completes', async () => {
  const sequence = sequenceOf(77, 61);
  const r = await gw.submit({ sequence, userId: 'e2e-user', plan: 'enterprise' });
  const value = await r.flow.job.waitUntilFinished(events.prediction.queueEvents, WAIT_MS);
  assert.equal(value.predictionRef, gateway.predictionRefKey(EMB, SUITE, r.sequenceHash));
  assert.equal(await queues.embedding.getJobState(r.embJobId), 'completed');
  assert.ok(stack.workers.prediction.running && stack.workers.embedding.running);
});

it('prediction-worker /metrics counts successful inferences and jobs', async () => {
  const res = await fetch(`http://127.0.0.1:${stack.metricsPort}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  const infer = metricSum(text, 'triton_model_infer_duration_seconds_count', { model: 'prott5_sec', status: 'success' });
  assert.ok(infer > 0, `triton_model_infer_duration_seconds_count{model="prott5_sec",status="success"} = ${infer}`);
  const jobs = metricSum(text, 'prediction_job_duration_seconds_count', { status: 'success' });
  assert.ok(jobs >= HAPPY.length, `prediction_job_duration_seconds_count{status="success"} = ${jobs}`);
});

it('command line: --version and --help exit 0, an unknown flag exits 2, bad config exits 1 naming the problem', async () => {
  for (const kind of ['embedding', 'prediction']) {
    const env = { PATH: process.env.PATH, LANG: 'C.UTF-8' };
    const version = await stack.runWorker(kind, ['--version'], env);
    assert.equal(version.code, 0, version.stderr);
    assert.ok(version.stdout.length > 0);
    const help = await stack.runWorker(kind, ['--help'], env);
    assert.equal(help.code, 0, help.stderr);
    const describe = await stack.runWorker(kind, ['--describe'], env);
    assert.equal(describe.code, 0, describe.stderr);
    assert.match(describe.stdout, /TRITON_URL/);
    const unknown = await stack.runWorker(kind, ['--no-such-flag'], env);
    assert.equal(unknown.code, 2, unknown.stderr);
    const bad = await stack.runWorker(kind, [], stack.workerEnv(kind, {
      TRITON_URL: undefined, WORKER_CONCURRENCY: 'many', METRICS_ENABLED: 'false',
    }));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Fatal: Configuration validation failed:/);
    assert.match(bad.stderr, /TRITON_URL/);
    assert.match(bad.stderr, /WORKER_CONCURRENCY/);
  }
});

it('boot gate: a worker whose models never become ready exits 1 naming them', async () => {
  assert.match(await stack.control('not-ready seth'), /^ok/);
  try {
    const run = await stack.runWorker('prediction', [], stack.workerEnv('prediction', {
      BOOT_TIMEOUT_MS: '1500', BOOT_RETRY_INTERVAL_MS: '200', METRICS_ENABLED: 'false',
    }), 20000);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout + run.stderr, /seth/);
    assert.ok(!run.records.some(r => r.msg === 'prediction-worker consuming'));
  } finally {
    assert.match(await stack.control('ready *'), /^ok/);
  }
});

it('graceful shutdown: SIGTERM drains each worker, logs "<name> stopped" and exits 0', async () => {
  for (const [kind, name] of [['prediction', 'prediction-worker'], ['embedding', 'embedding-worker']]) {
    const proc = stack.workers[kind];
    const exit = await proc.stop('SIGTERM', 30000);
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, `${name} exit`);
    const msgs = proc.records().map(r => r.msg);
    assert.ok(msgs.includes('SIGTERM received — draining worker'), `${name}: ${msgs.slice(-5)}`);
    assert.ok(msgs.includes(`${name} stopped`), `${name}: ${msgs.slice(-5)}`);
  }
});
