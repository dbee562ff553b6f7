'use strict';
// Scenario 8: the bad-input catalogue beyond what tests/e2e and worker_process_test already
// cover (missing fields, wrong types, odd/short/empty embeddings, unknown models, bad env):
// job data above MAX_JOB_DATA_BYTES, non-UTF-8 bytes and lone surrogates in job data, a sequence
// whose embedding exceeds MAX_EMBEDDING_BYTES, one whose embedding response exceeds the gRPC
// receive limit, a wrong-shape model response (a catalog whose `seth` answers [1,L,2]), and
// answers damaged by the stub's `corrupt` fault (truncated BYTES from tmbed, doubled floats from
// light_attention_subcell).
// Each must fail (or record a model error) with a clear reason, and the workers keep serving.
// Then the security check: no secret, sequence or raw tensor in any process log, stored
// failedReason, stacktrace or job log of the whole run.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Scenario, SCALED_ENV, makeSequence, gateway, sleep, Job } = require('./lib.js');

const IORedis = gateway.requireFromBullmqDir('ioredis');
const EMB = gateway.DEV_EMBEDDING_MODEL;
const SECRET_MARKER = 'faults-secret-7Hq2xZp9vLmK';  // a storage secret the workers are given

// A catalog identical to the built-in one except that seth answers [B,L,2] instead of [B,L,1].
const catalogFile = path.join(os.tmpdir(), `faults-wrong-shape-${process.pid}.json`);
const catalog = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tools', 'kserve-stub', 'models.json'), 'utf8'));
const seth = catalog.models.find(m => m.name === 'seth');
seth.outputs[0].dims = [-1, 2];
seth.function.outputs.output.classes = 2;
fs.writeFileSync(catalogFile, JSON.stringify(catalog));

let sc;
let redis;
let normalFlows = [];  // tally rows of the well-formed flows, for the wrong-shape test
after(async () => {
  redis?.disconnect();
  await sc?.stop();
  fs.rmSync(catalogFile, { force: true });
});

const env = { ...SCALED_ENV, GARAGE_SECRET_ACCESS_KEY: SECRET_MARKER, GARAGE_ACCESS_KEY_ID: `${SECRET_MARKER}-id` };

function embeddingData(sequence, extra = {}) {
  return {
    sequence, sequenceHash: gateway.computeSequenceHash(sequence), embeddingModel: { ...EMB },
    userId: 'faults-8', submittedAt: new Date().toISOString(), ...extra,
  };
}

// Adds a delayed job, then overwrites its `data` with raw bytes before it becomes due.
async function addRawJob(queueName, jobId, rawData) {
  await sc.queues[queueName].add(queueName, { placeholder: true }, { jobId, delay: 1500 });
  await redis.hset(`bull:${queueName}:${jobId}`, 'data', rawData);
  sc.extra.push({ queueName, jobId });
}

// A flow like the gateway's, without its 16384-residue limit (the workers must not rely on it).
async function addFlow(sequence, requestId) {
  const predModels = gateway.DEV_PREDICTION_MODELS.map(m => ({ ...m }));
  const { embeddingData: ed, predictionData } = gateway.buildJobData({
    sequence, userId: 'faults-8', requestId, embeddingModel: { ...EMB }, predictionModels: predModels,
    submittedAt: new Date().toISOString(),
  });
  const predJobId = gateway.computePredictionJobId(sequence, EMB, predModels);
  const embJobId = gateway.computeEmbeddingJobId(sequence, EMB);
  await sc.gw.flowProducer.add(gateway.buildFlow({ predJobId, embJobId, priority: 3, embeddingData: ed, predictionData }));
  sc.flows.push({ index: sc.flows.length, sequence, jobId: predJobId, embJobId, requestId });
  return { predJobId, embJobId };
}

test('bad inputs fail with clear reasons, the workers keep serving, and nothing sensitive is logged', { timeout: 170000 }, async () => {
  sc = await Scenario.start('8 bad input catalogue', {
    stubArgs: [`--models=${catalogFile}`],
    workerEnv: { prediction: env, embedding: env },
  });
  await sc.run(async () => {
    const { stack } = sc;
    redis = new IORedis(stack.connection());
    const sequences = [];  // every sequence submitted in this run, for the log grep

    // 1. Normal traffic with request ids (also exercises the wrong-shape seth answer).
    const normal = await sc.submitFlows(8, { length: 60, requestId: 'faults-req' });
    sequences.push(...normal.map(f => f.sequence));

    // 2. Job data above MAX_JOB_DATA_BYTES (1 MiB) on both queues.
    const hugeSeq = makeSequence('8-huge', 0, 1100000);
    sequences.push(hugeSeq);
    await sc.queues.embedding.add('embedding', embeddingData(hugeSeq), { jobId: 'huge-data-emb', attempts: 3 });
    await sc.queues.prediction.add('prediction', { ...embeddingData(hugeSeq), predictionModels: [] }, { jobId: 'huge-data-pred', attempts: 3 });
    sc.extra.push({ queueName: 'embedding', jobId: 'huge-data-emb' }, { queueName: 'prediction', jobId: 'huge-data-pred' });

    // 3. Non-UTF-8 job data: a raw 0xFF byte in the sequence, an invalid byte in request_id, a
    // lone surrogate escape (valid JSON syntax, not valid Unicode).
    const rawSeq = makeSequence('8-raw', 0, 300);
    sequences.push(rawSeq);
    const withFf = Buffer.from(JSON.stringify(embeddingData(rawSeq)));
    const ffAt = withFf.indexOf(rawSeq) + 250;
    const bytesSeq = Buffer.from(withFf); bytesSeq[ffAt] = 0xff;
    const reqBad = Buffer.from(JSON.stringify(embeddingData(makeSequence('8-raw', 1, 40), { request_id: 'req-XX' })));
    const xx = reqBad.indexOf('XX');
    reqBad[xx] = 0xc3; reqBad[xx + 1] = 0x28;
    const surrogate = JSON.stringify(embeddingData(makeSequence('8-raw', 2, 40))).replace('"sequence":"M', '"sequence":"M\\ud800');
    await addRawJob('embedding', 'non-utf8-sequence', bytesSeq);
    await addRawJob('embedding', 'non-utf8-request-id', reqBad);
    await addRawJob('embedding', 'lone-surrogate', surrogate);
    await addRawJob('prediction', 'non-utf8-pred', bytesSeq);

    // 4. Huge sequences (beyond the gateway's cap): an embedding above MAX_EMBEDDING_BYTES
    // (20000 x 2048 B = 41 MB > 32 MiB), and an embedding response above the 64 MiB gRPC limit.
    const bigEmb = makeSequence('8-big', 0, 20000);
    const tooBigResponse = makeSequence('8-big', 1, 35000);
    sequences.push(bigEmb, tooBigResponse);
    const bigFlow = await addFlow(bigEmb, 'faults-req-big');
    const tooBigFlow = await addFlow(tooBigResponse, 'faults-req-toobig');

    await sc.settle(120000);
    // 5. Damaged answers from the server (kserve-stub `corrupt`): a truncated BYTES tensor from
    // tmbed, twice the floats the shape says from light_attention_subcell. Nothing else is in
    // flight now, so the next two answers of each model belong to these two flows.
    assert.match(await stack.control('corrupt tmbed 2 truncate'), /^ok/);
    assert.match(await stack.control('corrupt light_attention_subcell 2 doubled'), /^ok/);
    const damaged = await sc.submitFlows(2, { length: 60, requestId: 'faults-req-damaged' });
    sequences.push(...damaged.map(f => f.sequence));
    await sc.settle(60000);
    // 6. Afterwards the workers still serve.
    const lastly = await sc.submitFlows(2, { length: 50, requestId: 'faults-req-after' });
    sequences.push(...lastly.map(f => f.sequence));
    await sc.settle(60000);
    const t = await sc.tally();
    sc.record(t, { notes: 'failures expected: 2 data-size, 4 non-UTF-8, 2 huge flows; seth wrong shape, truncated tmbed BYTES and doubled light_attention answers → modelErrors' });

    Scenario.assertNoLossNoDuplicate(t);
    const byId = id => [...t.parents, ...t.children, ...t.extras].find(a => a.jobId === id);
    const expectFailed = (id, re) => {
      const a = byId(id);
      assert.equal(a.state, 'failed', `${id}: ${a.state}`);
      assert.match(a.failedReason, re, id);
      return a;
    };
    for (const id of ['huge-data-emb', 'huge-data-pred']) {
      const a = expectFailed(id, /^Job data is \d+ bytes, more than this worker accepts \(1048576 bytes\)$/);
      assert.equal((await Job.fromId(sc.queues[a.queueName], id)).attemptsMade, 1, `${id}: not retried`);
    }
    for (const id of ['non-utf8-sequence', 'non-utf8-request-id', 'lone-surrogate', 'non-utf8-pred']) {
      expectFailed(id, /^Job data is not valid JSON: /);
    }
    expectFailed(bigFlow.predJobId, /^embedding buffer length 40960000 at emb\/\S+ exceeds the maximum of 33554432 bytes$/);
    expectFailed(tooBigFlow.embJobId, /^RESOURCE_EXHAUSTED: Received message larger than max \(\d+ vs\. 67108864\)/);
    expectFailed(tooBigFlow.predJobId, /^child bull:embedding:[0-9a-f]{64} failed$/);
    for (const f of [...normal, ...lastly]) {
      assert.equal(byId(f.jobId).state, 'completed', `normal flow ${f.index}: ${byId(f.jobId).failedReason}`);
    }
    normalFlows = [...normal, ...lastly].map(f => ({ ...byId(f.jobId), length: f.sequence.length }));
    for (const f of damaged) {
      const a = byId(f.jobId);
      assert.equal(a.state, 'completed', `damaged-answer flow ${f.index}: ${a.failedReason}`);
      const stored = JSON.parse(fs.readFileSync(stack.objectPath(a.ref), 'utf8'));
      assert.equal(stored.modelErrors?.tmbed?.code, 'DECODE_ERROR', JSON.stringify(stored.modelErrors));
      assert.match(stored.modelErrors.tmbed.message, /^readBytesTensor: truncated payload/);
      assert.equal(stored.modelErrors?.light_attention_subcellular?.code, 'SHAPE_MISMATCH');
      assert.equal(stored.modelErrors.light_attention_subcellular.message,
        'light_attention_subcell: expected 10 floats, got 20');
      assert.ok(!('tmbed' in stored.outputs) && !('light_attention_subcellular' in stored.outputs));
    }
    for (const proc of stack.procs.filter(p => p.kind)) assert.ok(proc.running, `${proc.name} running`);

    // 7. Security: grep everything the run wrote.
    const texts = [];
    for (const proc of stack.procs) texts.push([`log ${proc.name}`, proc.lines.map(l => l.text).join('\n')]);
    for (const a of [...t.parents, ...t.children, ...t.extras]) {
      const job = await Job.fromId(sc.queues[a.queueName], a.jobId);
      if (!job) continue;
      texts.push([`failedReason ${a.jobId}`, job.failedReason || '']);
      texts.push([`stacktrace ${a.jobId}`, (job.stacktrace || []).join('\n')]);
      texts.push([`job log ${a.jobId}`, (await sc.queues[a.queueName].getJobLogs(a.jobId)).logs.join('\n')]);
    }
    const secrets = [stack.redis.password, SECRET_MARKER];
    const leaks = [];
    for (const [where, text] of texts) {
      for (const s of secrets) if (text.includes(s)) leaks.push(`${where}: a secret`);
      for (const seq of sequences) {
        // Any 24-residue window of a submitted sequence (the first 2000 windows of the huge ones).
        for (let i = 0; i + 24 <= Math.min(seq.length, 2000); i += 12) {
          if (text.includes(seq.slice(i, i + 24))) { leaks.push(`${where}: sequence text at ${i}`); break; }
        }
      }
      const b64 = /[A-Za-z0-9+/]{256,}={0,2}/.exec(text);
      if (b64) leaks.push(`${where}: base64-like run of ${b64[0].length} chars`);
      const floats = /(?:-?\d+\.\d+(?:e[-+]?\d+)?[,\s]+){32,}/.exec(text);
      if (floats) leaks.push(`${where}: a run of ${floats[0].split(/[,\s]+/).length} numbers`);
    }
    assert.deepEqual([...new Set(leaks)], []);
    // Stored failure reasons are valid UTF-8 even when the job data was not.
    for (const a of [...t.children, ...t.extras, ...t.parents].filter(x => x.state === 'failed')) {
      const raw = await redis.hgetBuffer(`bull:${a.queueName}:${a.jobId}`, 'failedReason');
      assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(raw), `${a.jobId}: failedReason is not UTF-8`);
    }
    await sleep(0);
  });
});

// Runs after the test above, on its stack: the stub's catalog makes `seth` answer [1,L,2] for an
// input of L residues. The issue asks for a clear error (a `seth` entry in modelErrors, the other
// seven outputs stored), not L×2 numbers stored as if they were L per-residue scores.
test('a wrong-shape model response (seth [1,L,2]) is a clear model error, not stored data', { timeout: 30000 }, () => {
  assert.ok(normalFlows.length > 0, 'the catalogue test ran');
  for (const a of normalFlows) {
    const stored = JSON.parse(fs.readFileSync(sc.stack.objectPath(a.ref), 'utf8'));
    assert.ok(!stored.outputs.seth || stored.outputs.seth.length === a.length,
      `flow ${a.jobId.slice(0, 12)}: seth stored ${stored.outputs.seth?.length} values for L=${a.length} (modelErrors: ${JSON.stringify(stored.modelErrors || {})})`);
    assert.match(stored.modelErrors?.seth?.message || '', /shape|size|elements|length/i, 'seth error names the shape problem');
    assert.equal(Object.keys(stored.outputs).length, 7);
  }
});
