'use strict';
// Scenario 6: keepalive pings against Triton's default ping policy (a ping sooner than 300 s
// after the last one, while the server sends nothing, is a strike; the third strike gets GOAWAY
// ENHANCE_YOUR_CALM "too_many_pings"). The workers ping every 1 s here (30x the shipped 30 s)
// through calls the server keeps silent for 5 s, started 1 s apart: no GOAWAY, no retry, no
// failure, because the client never sends more than 2 pings without data (gRPC's default, which
// the workers keep). The failing setting (MAX_PINGS_WITHOUT_DATA=0, keepalive 1 s, same server
// policy) cannot be configured in the workers; kserve_stub_ping_policy_test shows it failing.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { Scenario, SCALED_ENV, pick } = require('./lib.js');

let sc;
after(() => sc?.stop());

test('keepalive 1 s against Triton\'s default ping policy: no too_many_pings GOAWAY', { timeout: 150000 }, async () => {
  const N = pick(4, 12);
  const SILENT_MS = pick(5000, 20000);
  const env = { ...SCALED_ENV, TRITON_KEEPALIVE_TIME_MS: '1000', TRITON_KEEPALIVE_TIMEOUT_MS: '20000', TRITON_DEADLINE_MS: '60000' };
  // The stub's defaults are Triton's: --http2-min-recv-ping-interval-without-data-ms=300000,
  // --http2-max-ping-strikes=2.
  sc = await Scenario.start('6 ping policy (keepalive 1 s)', { workerEnv: { prediction: env, embedding: env } });
  await sc.run(async () => {
    // Only the embedding model is slow: while those calls run, the server sends nothing at all
    // on the embedding worker's connection, and new calls (client data) start 1 s apart.
    assert.match(await sc.stack.control(`latency prot_t5_pipeline ${SILENT_MS}`), /^ok/);
    const startedAt = Date.now();
    await sc.submitFlows(N, { length: 32, spacingMs: 1000 });
    await sc.settle(pick(60000, 300000));
    const t = await sc.tally();
    const retries = [...sc.retries('prediction'), ...sc.retries('embedding')];
    const pingLines = sc.stack.procs.flatMap(p => p.lines.filter(l => /too_many_pings|Too many pings|GOAWAY/i.test(l.text)).map(l => `${p.name}: ${l.text.slice(0, 160)}`));
    sc.record(t, { notes: `Triton policy 300 s / 2 strikes; server silent ${SILENT_MS} ms per embedding call; ${retries.length} retries; GOAWAY lines ${pingLines.length}; run ${Date.now() - startedAt} ms` });

    Scenario.assertNoLossNoDuplicate(t);
    assert.equal(t.failed, 0, JSON.stringify(t.reasons));
    assert.equal(t.completed, N);
    assert.equal(t.modelErrors, 0);
    assert.deepEqual(retries.map(r => `${r.model} ${r.code}`), [], 'no call was retried');
    assert.deepEqual(pingLines, []);
  });
});

test('the failing setting: MAX_PINGS_WITHOUT_DATA=0 with keepalive 1 s gets "Too many pings" from the same policy', { timeout: 60000 }, t => {
  const bin = process.env.PING_POLICY_TEST_BIN;
  if (!bin) return t.skip('PING_POLICY_TEST_BIN is not set (ctest sets it)');
  const run = spawnSync(bin, ['--gtest_filter=PingPolicyTest.TritonDefaultsSendTooManyPingsGoaway'], { encoding: 'utf8', timeout: 50000 });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /\[\s+OK \] PingPolicyTest\.TritonDefaultsSendTooManyPingsGoaway/);
  return undefined;
});
