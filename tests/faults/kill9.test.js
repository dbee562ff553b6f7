'use strict';
// Scenario 1: kill -9 of one of two workers (of each kind) in the middle of jobs. The other worker
// must finish the victim's jobs through BullMQ's stalled-job recovery: 0 lost, 0 completed twice.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { Scenario, SCALED_ENV, pick, inFlightOn, waitFor } = require('./lib.js');

let sc;
after(() => sc?.stop());

test('kill -9 of one of two workers mid-job: the survivor recovers the stalled jobs', { timeout: 150000 }, async () => {
  const N = pick(24, 200);
  sc = await Scenario.start('1 kill -9 worker', {
    workerEnv: { prediction: SCALED_ENV, embedding: SCALED_ENV },
  });
  await sc.run(async () => {
    const { stack } = sc;
    await stack.startWorker('prediction', SCALED_ENV, { name: 'prediction-worker-2' });
    await stack.startWorker('embedding', SCALED_ENV, { name: 'embedding-worker-2' });
    // Every response 250 ms late: jobs are in flight long enough to be killed mid-way.
    assert.match(await stack.control('latency * 250'), /^ok/);

    await sc.submitFlows(N, { length: 40 });
    const [victimPred] = stack.workerProcs('prediction');
    const [victimEmb] = stack.workerProcs('embedding');
    // Kill when each victim holds jobs it has started and not finished.
    await waitFor('both victims busy', () => inFlightOn(victimPred, 'prediction').length > 0
      && inFlightOn(victimEmb, 'embedding').length > 0, { timeoutMs: 60000, intervalMs: 10 });
    victimPred.child.kill('SIGKILL');
    victimEmb.child.kill('SIGKILL');
    // Taken once both signals are sent: a victim may still finish a job in the moment between
    // deciding to kill and the kill, and that job was not re-run.
    const killedAt = Date.now();
    await Promise.all([victimPred.exited, victimEmb.exited, victimPred.closed, victimEmb.closed]);
    // From the victims' complete logs: jobs they started and never logged an outcome for. (One
    // killed between Redis's completion and its log line is completed and not re-run.)
    const orphans = [...inFlightOn(victimPred, 'prediction'), ...inFlightOn(victimEmb, 'embedding')];

    await sc.settle(pick(60000, 240000));
    const t = await sc.tally();
    const orphanJobs = [...t.parents, ...t.children].filter(a => orphans.includes(a.jobId));
    const rerun = orphanJobs.filter(a => a.finishedOn > killedAt && a.attemptsStarted >= 2);
    const recoveryMs = rerun.length ? Math.max(...rerun.map(a => a.finishedOn)) - killedAt : null;
    sc.record(t, { recoveryMs, notes: `${rerun.length} jobs in flight on the killed workers re-run by the survivors; recovery = kill → last of them finished` });

    Scenario.assertNoLossNoDuplicate(t);
    assert.equal(t.completed, N, JSON.stringify(t.reasons));
    assert.equal(t.failed, 0);
    // The killed workers' jobs were really taken over: started again and finished by a survivor.
    assert.ok(rerun.length >= 1, `no job of the killed workers was re-run (orphans: ${orphans.length})`);
    for (const a of orphanJobs) {
      assert.equal(a.state, 'completed', `orphan ${a.jobId.slice(0, 12)}`);
      if (a.finishedOn > killedAt) assert.ok(a.attemptsStarted >= 2, `orphan ${a.jobId.slice(0, 12)} re-run`);
    }
    for (const kind of ['prediction', 'embedding']) {
      const survivor = stack.workerProcs(kind)[1];
      assert.ok(survivor.running, `${survivor.name} still running`);
    }
  });
});
