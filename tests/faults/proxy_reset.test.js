'use strict';
// Scenario 4: faultproxy resets (RST) each worker's Triton connection every ~K requests. With
// the client's retry on (3 attempts, the default), no job fails; a model whose three attempts all
// meet a reset is recorded in the stored modelErrors and counted in the matrix row.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { Scenario, pick } = require('./lib.js');

let sc;
after(() => sc?.stop());

const L = 64;
const K = 10;  // requests per connection before the reset; >= the 8 calls a job has in flight
// The embedding worker's client keeps protifer's 3 attempts (no setting), and its 4 jobs in
// flight share one connection: a reset every ~10 calls there can meet all 3 attempts of a job
// now and then. A sparser reset still exercises the path without making the test a lottery.
const K_EMBEDDING = 25;
// Client->server bytes of one request: prediction inputs are L x 1024 FP32 (+ an L mask, and
// ~300 bytes of protobuf and HTTP/2 framing); an embedding request is the sequence plus ~60 (HPACK-compressed headers).
const PREDICTION_BUDGET = K * (L * 4096 + 300);
const EMBEDDING_BUDGET = K_EMBEDDING * (L + 60);

test('connection reset every ~K requests: retries absorb the resets, 0 whole-job failures', { timeout: 150000 }, async () => {
  const N = pick(30, 300);
  sc = await Scenario.startBehindProxies('4 reset every K requests');
  await sc.run(async () => {
    assert.match(await sc.proxies.prediction.control(`reset-after ${PREDICTION_BUDGET}`), /^ok/);
    assert.match(await sc.proxies.embedding.control(`reset-after ${EMBEDDING_BUDGET}`), /^ok/);
    await sc.submitFlows(N, { length: L });
    await sc.settle(pick(60000, 300000));
    const t = await sc.tally();
    const resets = Object.fromEntries(Object.entries(sc.proxies).map(([kind, p]) =>
      [kind, p.proc.records().filter(r => r.event === 'fault' && r.kind === 'reset').length]));
    const retries = { prediction: sc.retries('prediction').length, embedding: sc.retries('embedding').length };
    sc.record(t, { notes: `K=${K} (embedding ${K_EMBEDDING}), L=${L}; resets ${JSON.stringify(resets)}; retried calls ${JSON.stringify(retries)}` });

    Scenario.assertNoLossNoDuplicate(t);
    assert.equal(t.failed, 0, JSON.stringify(t.reasons));
    assert.equal(t.completed, N);
    // A model whose 3 attempts all met a reset is stored in modelErrors (the job still
    // completes); the matrix reports how many. Any such error must be the reset itself.
    for (const a of t.parents) {
      for (const [model, e] of Object.entries(a.modelErrorDetails || {})) {
        assert.equal(e.code, 'UNAVAILABLE', `${model}: ${e.message}`);
        assert.match(e.message, /Connection reset by peer|Socket closed|Transport closed|Broken pipe|failed to connect/, `${model}: ${e.message}`);
      }
    }
    // The fault really happened, on both connections, and was retried.
    assert.ok(resets.prediction >= 3, `prediction connection resets: ${resets.prediction}`);
    assert.ok(resets.embedding >= 1, `embedding connection resets: ${resets.embedding}`);
    assert.ok(retries.prediction >= 1, 'prediction calls were retried');
    for (const r of [...sc.retries('prediction'), ...sc.retries('embedding')]) assert.equal(r.code, 'UNAVAILABLE');
  });
});
