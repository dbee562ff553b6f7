'use strict';
// Scenario 9: the prediction worker is killed (-9) after 7 of a job's 8 models answered, while the
// 8th is still in flight. The worker that takes the stalled job over must call only that 8th model
// (the other 7 results were kept in Redis, PREDICTION_RESULT_REUSE_TTL_MS) and store a complete
// prediction.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { Scenario, SCALED_ENV, waitFor } = require('./lib.js');
const { freePort } = require('../../tools/stack/stack.js');
const prom = require('../../tools/bench/prometheus.js');

let sc;
after(() => sc?.stop());

const SLOW_MODEL = 'seth';

test('a job taken over after a crash calls only the model that had not answered', { timeout: 120000 }, async () => {
  sc = await Scenario.start('9 result reuse after kill -9', {
    workerEnv: { prediction: SCALED_ENV, embedding: SCALED_ENV },
  });
  await sc.run(async () => {
    const { stack } = sc;
    const redis = await sc.queues.prediction.client;
    // One model answers only after 20 s: the job sits with 7 of 8 results.
    assert.match(await stack.control(`latency ${SLOW_MODEL} 20000`), /^ok/);
    const [flow] = await sc.submitFlows(1, { length: 60 });
    const keptKey = `bull:prediction:${flow.jobId}:model-results`;
    await waitFor('7 model results kept in Redis', async () => (await redis.hlen(keptKey)) === 7,
      { timeoutMs: 30000, intervalMs: 50 });

    const [victim] = stack.workerProcs('prediction');
    victim.child.kill('SIGKILL');
    await Promise.all([victim.exited, victim.closed]);
    assert.match(await stack.control(`latency ${SLOW_MODEL} 0`), /^ok/);

    const metricsPort = await freePort();
    await stack.startWorker('prediction', { ...SCALED_ENV, METRICS_ENABLED: 'true', METRICS_PORT: String(metricsPort) },
      { name: 'prediction-worker-2' });
    await sc.settle(60000);
    const t = await sc.tally();
    sc.record(t, { notes: 'the worker that took the job over made 1 ModelInfer call and reused 7 kept results' });
    Scenario.assertNoLossNoDuplicate(t);
    assert.equal(t.completed, 1, JSON.stringify(t.reasons));

    const metrics = await prom.scrape(metricsPort);
    assert.equal(prom.sum(metrics, 'triton_rpc_attempts_total'), 1, 'calls made by the second attempt');
    assert.deepEqual(Object.keys(prom.groupBy(metrics, 'triton_rpc_attempts_total', 'model')), [SLOW_MODEL]);
    assert.equal(prom.sum(metrics, 'prediction_model_results_reused_total'), 7);

    const { logs } = await sc.queues.prediction.getJobLogs(flow.jobId);
    assert.ok(logs.some(l => l.startsWith('Reusing the results of 7 models from an earlier attempt:')), logs.join('\n'));
    const job = await sc.queues.prediction.getJob(flow.jobId);
    const stored = JSON.parse(fs.readFileSync(stack.objectPath(job.returnvalue.predictionRef), 'utf8'));
    assert.equal(Object.keys(stored.outputs).length, 8);
    assert.equal(stored.modelErrors, undefined);
    assert.equal(await redis.exists(keptKey), 0, 'kept results deleted once the prediction is stored');
  });
});
