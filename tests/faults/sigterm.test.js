'use strict';
// Scenario 7: SIGTERM during load. Two workers of each kind; one prediction worker is stopped
// with a drain deadline its jobs meet (they finish on it), one embedding worker with a deadline
// they cannot meet (they are abandoned and recovered by the other embedding worker as stalled).
// Both exit 0 within their deadline; 0 lost, 0 completed twice.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { Scenario, SCALED_ENV, pick, inFlightOn, waitFor } = require('./lib.js');

let sc;
after(() => sc?.stop());

test('SIGTERM under load: in-flight jobs finish in the drain or are recovered by the other worker', { timeout: 150000 }, async () => {
  const N = pick(24, 200);
  sc = await Scenario.start('7 SIGTERM during load', {
    workerEnv: { prediction: { ...SCALED_ENV, DRAIN_TIMEOUT_MS: '5000' }, embedding: { ...SCALED_ENV, DRAIN_TIMEOUT_MS: '200' } },
  });
  await sc.run(async () => {
    const { stack } = sc;
    await stack.startWorker('prediction', SCALED_ENV, { name: 'prediction-worker-2' });
    await stack.startWorker('embedding', SCALED_ENV, { name: 'embedding-worker-2' });
    assert.match(await stack.control('latency * 400'), /^ok/);
    assert.match(await stack.control('latency prot_t5_pipeline 1500'), /^ok/);
    await sc.submitFlows(N, { length: 40 });
    const pred = stack.workers.prediction;
    const emb = stack.workers.embedding;
    // An embedding job started under 500 ms ago still has over 1 s of its 1.5 s call to go, so
    // it cannot finish within the 200 ms drain: the embedding worker must leave it behind.
    const embeddingJobJustStarted = () => {
      const inFlight = new Set(inFlightOn(emb, 'embedding'));
      const now = Date.now();
      return emb.records().some(r => r.msg === 'Processing embedding job' && inFlight.has(r.jobId) && now - r.time < 500);
    };
    await waitFor('both first workers mid-job', () => inFlightOn(pred, 'prediction').length > 0
      && embeddingJobJustStarted(), { timeoutMs: 60000, intervalMs: 10 });
    const termAt = Date.now();
    const [predExit, embExit] = await Promise.all([pred.stop('SIGTERM', 30000), emb.stop('SIGTERM', 30000)]);
    const predMs = pred.records().find(r => r.msg === 'prediction-worker stopped')?.time - termAt;
    const embMs = emb.records().find(r => r.msg === 'embedding-worker stopped')?.time - termAt;
    const abandoned = emb.records().filter(r => r.msg === 'Job left unfinished at shutdown').map(r => r.jobId);
    const predAbandoned = pred.records().filter(r => r.msg === 'Job left unfinished at shutdown').length;

    await sc.settle(pick(60000, 240000));
    const t = await sc.tally();
    const recovered = t.children.filter(a => abandoned.includes(a.jobId));
    const recoveryMs = recovered.length ? Math.max(...recovered.map(a => a.finishedOn || 0)) - termAt : null;
    sc.record(t, { recoveryMs, notes: `prediction-worker drained in ${predMs} ms (deadline 5000, ${predAbandoned} abandoned); embedding-worker stopped in ${embMs} ms (deadline 200) leaving ${abandoned.length} jobs, recovered by embedding-worker-2; recovery = SIGTERM → last of them finished` });

    Scenario.assertNoLossNoDuplicate(t);
    assert.equal(t.completed, N, JSON.stringify(t.reasons));
    assert.equal(t.failed, 0);
    assert.deepEqual({ code: predExit.code, signal: predExit.signal }, { code: 0, signal: null });
    assert.deepEqual({ code: embExit.code, signal: embExit.signal }, { code: 0, signal: null });
    assert.ok(predMs < 5000 + 2000, `prediction-worker stopped ${predMs} ms after SIGTERM`);
    assert.ok(embMs < 200 + 2000, `embedding-worker stopped ${embMs} ms after SIGTERM`);
    assert.equal(predAbandoned, 0, 'the prediction worker finished its jobs within the drain');
    assert.ok(abandoned.length >= 1, 'the embedding worker left jobs behind at its 200 ms deadline');
    for (const a of recovered) {
      assert.equal(a.state, 'completed', `abandoned ${a.jobId.slice(0, 12)}`);
      assert.ok(a.attemptsStarted >= 2, `abandoned ${a.jobId.slice(0, 12)} re-run`);
    }
    for (const name of ['prediction-worker-2', 'embedding-worker-2']) {
      assert.ok(stack.procs.find(p => p.name === name).running, `${name} running`);
    }
  });
});
