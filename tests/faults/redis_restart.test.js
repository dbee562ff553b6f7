'use strict';
// Scenario 2: Redis (AOF, appendfsync always) killed with SIGKILL and restarted on the same port
// while flows are being submitted and processed. Workers, the gateway and QueueEvents reconnect;
// 0 lost, 0 completed twice.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { Scenario, SCALED_ENV, pick, waitFor, sleep } = require('./lib.js');

let sc;
after(() => sc?.stop());

test('Redis SIGKILL + restart with AOF mid-run: workers reconnect, nothing lost', { timeout: 150000 }, async () => {
  const N = pick(30, 200);
  const DOWN_MS = pick(1500, 5000);
  sc = await Scenario.start('2 redis restart (AOF)', {
    redisArgs: ['--appendonly', 'yes', '--appendfsync', 'always'],
    workerEnv: { prediction: SCALED_ENV, embedding: SCALED_ENV },
  });
  await sc.run(async () => {
    const { stack } = sc;
    assert.match(await stack.control('latency * 100'), /^ok/);
    // Submissions keep coming while Redis is down (ioredis queues them offline).
    const submitting = sc.submitFlows(N, { length: 40, spacingMs: pick(60, 40) });
    await waitFor('a third of the flows submitted', () => sc.flows.length >= N / 3, { timeoutMs: 30000 });
    const killedAt = Date.now();
    await stack.restartRedis({ signal: 'SIGKILL', downMs: DOWN_MS });
    const upAt = Date.now();
    await submitting;

    await sc.settle(pick(60000, 240000));
    const t = await sc.tally();
    const recoveryMs = sc.firstCompletionAfter(t, killedAt, upAt);
    sc.record(t, { recoveryMs, notes: `Redis down ${DOWN_MS} ms; recovery = SIGKILL → first flow completed after the restart` });

    Scenario.assertNoLossNoDuplicate(t);
    assert.equal(t.completed, N, JSON.stringify(t.reasons));
    assert.equal(t.failed, 0);
    assert.ok(recoveryMs !== null, 'a flow completed after the restart');
    for (const proc of [...stack.workerProcs('prediction'), ...stack.workerProcs('embedding')]) {
      assert.ok(proc.running, `${proc.name} still running`);
    }
    await sleep(0);
  });
});
