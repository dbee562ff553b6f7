'use strict';
// Drives one job stream through BullMQ exactly as protifer's gateway submits it
// (tools/gateway/gateway.js: a FlowProducer flow per sequence, parent `prediction`, child
// `embedding`) and follows every flow to its end with QueueEvents. Submission times follow the
// schedule open-loop: a slow system does not slow the arrivals down, so overload shows up as
// queueing and failures instead of being hidden (the coordinated-omission trap).
const gateway = require('../gateway/gateway.js');

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// connection: ioredis options; arrivals: workload.buildSchedule(...).arrivals;
// drainTimeoutMs: how long to wait for the last flows after the last submission.
// Resolves to {jobs: [{jobId, phase, length, sequenceHash, predictionRef, submittedAt, state,
// createdAt, processedOn, finishedOn, failedReason}], startedAt, submittedUntil, endedAt, lateSubmissions}.
async function drive({ connection, arrivals, drainTimeoutMs, onProgress }) {
  const bullmq = gateway.resolveBullmq();
  const gw = gateway.createGateway({ connection, bullmq });
  const events = new bullmq.QueueEvents('prediction', { connection });
  const outcome = new Map();  // prediction job id -> {state, at}
  let expected = Infinity;
  let wake = null;
  const notify = () => { if (wake && outcome.size >= expected) wake(); };
  events.on('completed', ({ jobId }) => { outcome.set(jobId, { state: 'completed', at: Date.now() }); notify(); });
  events.on('failed', ({ jobId, failedReason }) => {
    outcome.set(jobId, { state: 'failed', at: Date.now(), failedReason });
    notify();
  });
  await events.waitUntilReady();

  const jobs = [];
  const startedAt = Date.now();
  let late = 0;
  const progress = setInterval(() => onProgress && onProgress({ submitted: jobs.length, finished: outcome.size }), 5000);
  try {
    for (const [i, a] of arrivals.entries()) {
      const wait = startedAt + a.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -100) late++;  // perf_analyzer warns when > 1% are sent late
      const r = await gw.submit({ sequence: a.sequence, userId: `bench-${i % 7}`, plan: 'pro', requestId: `bench-${i}` });
      jobs.push({
        jobId: r.jobId, phase: a.phase, length: a.sequence.length, sequenceHash: r.sequenceHash,
        predictionRef: gateway.predictionRefKey(r.embeddingModel, r.predictionModels, r.sequenceHash),
        submittedAt: Date.now(),
      });
    }
    const submittedUntil = Date.now();
    expected = new Set(jobs.map(j => j.jobId)).size;
    if (outcome.size < expected) {
      await Promise.race([new Promise(resolve => { wake = resolve; }), sleep(drainTimeoutMs)]);
    }
    const endedAt = Date.now();
    // The queue's own timestamps: creation (client clock at add), processing start and end.
    for (const job of jobs) {
      const stored = await gw.predictionQueue.getJob(job.jobId);
      const seen = outcome.get(job.jobId);
      job.state = stored ? await stored.getState() : 'missing';
      if (seen && job.state !== seen.state && job.state !== 'completed' && job.state !== 'failed') job.state = seen.state;
      job.createdAt = stored?.timestamp;
      job.processedOn = stored?.processedOn;
      job.finishedOn = stored?.finishedOn || seen?.at;
      job.failedReason = stored?.failedReason || seen?.failedReason;
    }
    return { jobs, startedAt, submittedUntil, endedAt, lateSubmissions: late };
  } finally {
    clearInterval(progress);
    await Promise.allSettled([gw.close(), events.close()]);
  }
}

module.exports = { drive };
