'use strict';
// Scenario 3: kserve-stub killed (SIGKILL) and restarted on the same port during a run. Calls
// fail transiently while it is down; single-attempt flows (the gateway's) then fail with a clear
// UNAVAILABLE reason, jobs with attempts left complete after recovery; the workers never exit.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { Scenario, SCALED_ENV, pick, waitFor, makeSequence, gateway } = require('./lib.js');

let sc;
after(() => sc?.stop());

test('kserve-stub SIGKILL + restart: transient failures, clear reasons, workers keep running', { timeout: 150000 }, async () => {
  const N = pick(30, 200);
  const M = pick(6, 40);         // standalone embedding jobs with attempts to spare
  const DOWN_MS = pick(2000, 8000);
  sc = await Scenario.start('3 kserve-stub restart', {
    workerEnv: { prediction: SCALED_ENV, embedding: SCALED_ENV },
  });
  await sc.run(async () => {
    const { stack } = sc;
    assert.match(await stack.control('latency * 100'), /^ok/);
    const submitting = sc.submitFlows(N, { length: 40, spacingMs: pick(150, 60) });
    await waitFor('a quarter of the flows submitted', () => sc.flows.length >= N / 4, { timeoutMs: 30000 });
    const killedAt = Date.now();
    const restarting = stack.restartStub({ signal: 'SIGKILL', downMs: DOWN_MS });
    // While the stub is down: jobs with attempts left (POST /v1/embeddings style, short backoff).
    for (let i = 0; i < M; i++) {
      const sequence = makeSequence('3-extra', i, 30);
      const jobId = gateway.computeEmbeddingJobId(sequence, gateway.DEV_EMBEDDING_MODEL);
      await sc.queues.embedding.add('embedding', {
        sequence, sequenceHash: gateway.computeSequenceHash(sequence), embeddingModel: { ...gateway.DEV_EMBEDDING_MODEL },
        userId: 'faults-3', submittedAt: new Date().toISOString(),
      }, { jobId, attempts: 30, backoff: { type: 'fixed', delay: 500 } });
      sc.extra.push({ queueName: 'embedding', jobId });
    }
    await restarting;
    const upAt = Date.now();
    await submitting;

    await sc.settle(pick(60000, 240000));
    const t = await sc.tally();
    const recoveryMs = sc.firstCompletionAfter(t, killedAt, upAt);
    sc.record(t, { recoveryMs, notes: `stub down ${DOWN_MS} ms; flows single-attempt, ${M} extra embedding jobs with 30 attempts; recovery = SIGKILL → first flow completed after the restart` });

    Scenario.assertNoLossNoDuplicate(t);
    assert.equal(t.completed + t.failed, t.submitted);
    assert.ok(t.failed >= 1, 'the outage failed some single-attempt flows');
    assert.ok(t.completed >= N / 2, `most flows completed (${t.completed})`);
    // Every failure says why: the embedding child's UNAVAILABLE, or all 8 models UNAVAILABLE.
    for (const a of t.parents.filter(x => x.state === 'failed')) {
      assert.match(a.failedReason, /^child bull:embedding:[0-9a-f]{64} failed$|^All prediction models failed — .*UNAVAILABLE/, a.failedReason);
    }
    for (const a of t.children.filter(x => x.state === 'failed')) {
      assert.match(a.failedReason, /UNAVAILABLE/, a.failedReason);
    }
    // Jobs with attempts to spare all completed after the restart.
    for (const a of t.extras) assert.equal(a.state, 'completed', `extra ${a.jobId.slice(0, 12)}: ${a.failedReason}`);
    for (const proc of [...stack.workerProcs('prediction'), ...stack.workerProcs('embedding')]) {
      assert.ok(proc.running, `${proc.name} exited: ${JSON.stringify(proc.exit)}`);
    }
  });
});
