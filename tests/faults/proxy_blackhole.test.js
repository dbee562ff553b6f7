'use strict';
// Scenario 5: faultproxy turns each worker's live Triton connection into a black hole (half-open:
// nothing forwarded, sockets kept open). Keepalive (1 s / 1 s) detects it in ~2 s, well before
// the 15 s deadline; the call is retried on a new connection and the jobs continue.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { Scenario, pick, inFlightOn, waitFor } = require('./lib.js');

let sc;
after(() => sc?.stop());

// The ids of the proxy's live connections, from its `list` reply.
async function connectionIds(proxy) {
  const reply = await proxy.control('list');
  return [...reply.matchAll(/id=(\d+) state=forwarding/g)].map(m => Number(m[1]));
}

test('half-open Triton connection: keepalive detects it, the channel reconnects, 0 failures', { timeout: 150000 }, async () => {
  const N = pick(24, 200);
  sc = await Scenario.startBehindProxies('5 blackhole (half-open)');
  await sc.run(async () => {
    const { stack } = sc;
    assert.match(await stack.control('latency * 200'), /^ok/);
    await sc.submitFlows(N, { length: 48 });
    await waitFor('both workers mid-job', () => inFlightOn(stack.workers.prediction, 'prediction').length > 0
      && inFlightOn(stack.workers.embedding, 'embedding').length > 0, { timeoutMs: 60000, intervalMs: 10 });
    const stalledAt = Date.now();
    const stalled = {};
    for (const [kind, proxy] of Object.entries(sc.proxies)) {
      stalled[kind] = await connectionIds(proxy);
      assert.ok(stalled[kind].length >= 1, `${kind}: a live connection to stall`);
      for (const id of stalled[kind]) assert.match(await proxy.control(`stall conn=${id}`), /^ok/);
    }
    await sc.settle(pick(60000, 240000));
    const t = await sc.tally();
    const recoveryMs = sc.firstCompletionAfter(t, stalledAt, stalledAt + 1);
    const retries = [...sc.retries('prediction'), ...sc.retries('embedding')];
    sc.record(t, { recoveryMs, notes: `stalled connections ${JSON.stringify(stalled)}; ${retries.length} calls retried (${[...new Set(retries.map(r => r.code))].join(',')}); deadline 15 s; recovery = stall → first flow completed after it` });

    Scenario.assertNoLossNoDuplicate(t);
    assert.equal(t.failed, 0, JSON.stringify(t.reasons));
    assert.equal(t.completed, N);
    assert.equal(t.modelErrors, 0);
    // Detected by keepalive (UNAVAILABLE, retried), not by the 15 s deadline (never retried).
    assert.ok(retries.length >= 1, 'the stalled calls were retried');
    for (const r of retries) assert.equal(r.code, 'UNAVAILABLE');
    assert.ok(recoveryMs !== null && recoveryMs < 10000, `recovered in ${recoveryMs} ms (< the 15 s deadline)`);
    // New connections were opened after the stall.
    for (const [kind, proxy] of Object.entries(sc.proxies)) {
      const ids = await connectionIds(proxy);
      assert.ok(ids.some(id => id > Math.max(...stalled[kind])), `${kind}: a new connection (${ids})`);
    }
  });
});
