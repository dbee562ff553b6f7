'use strict';
// Node side of the C++ BullMQ runtime tests: produces jobs exactly as protifer's gateway does
// (Queue.add, FlowProducer.add) with the pinned bullmq, and reads back what a Node user sees
// (Job.getState, returnvalue, progress, getJobLogs, getChildrenValues, QueueEvents, getWorkers).
//
//   node bullmq_cli.js <command> '<json arguments>'
//
// Every command takes {port, password} for the Redis connection and prints one JSON object on
// stdout. Exit code 0 = success; anything else = failure, with the reason on stderr.
const IORedis = require('ioredis');
const { Queue, QueueEvents, FlowProducer, Job, Worker } = require('bullmq');

const [command, argText] = process.argv.slice(2);
const args = JSON.parse(argText || '{}');
const connection = {
  host: '127.0.0.1',
  port: args.port,
  password: args.password || undefined,
  maxRetriesPerRequest: null,
};
const prefix = 'bull';
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

const closers = [];
function track(resource) {
  closers.push(() => resource.close());
  return resource;
}
function adminClient() {
  const client = new IORedis(connection);
  closers.push(() => client.quit());
  return client;
}

// Per-job event names from the raw stream, oldest first (what QueueEvents would replay).
// With details, each event is its field map minus `delay` (a due timestamp, never equal twice).
async function streamEvents(admin, queueName, details = false) {
  const entries = await admin.xrange(`${prefix}:${queueName}:events`, '-', '+');
  const byJob = {};
  for (const [, fields] of entries) {
    const f = {};
    for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
    delete f.delay;
    if (f.jobId !== undefined) (byJob[f.jobId] ||= []).push(details ? f : f.event);
  }
  return byJob;
}

async function describeJobs(queueName, ids) {
  const queue = track(new Queue(queueName, { connection }));
  const admin = adminClient();
  const events = await streamEvents(admin, queueName);
  const eventDetails = await streamEvents(admin, queueName, true);
  const jobs = {};
  for (const id of ids) {
    const hash = await admin.hgetall(`${prefix}:${queueName}:${id}`);
    let job;
    try {
      job = await Job.fromId(queue, id);
    } catch (err) {
      // Job.fromJSON throws on data that is not JSON: report what Redis holds instead.
      jobs[id] = {
        state: await queue.getJobState(id),
        unreadableByNode: err.message,
        failedReason: hash.failedReason === undefined ? null : hash.failedReason,
        attemptsMade: parseInt(hash.atm || '0', 10),
        events: events[id] || [],
        hash,
      };
      continue;
    }
    if (!job) {
      jobs[id] = { state: 'missing' };
      continue;
    }
    const logs = await queue.getJobLogs(id);
    jobs[id] = {
      state: await job.getState(),
      name: job.name,
      data: job.data,
      returnvalue: job.returnvalue === undefined ? null : job.returnvalue,
      progress: job.progress,
      logs: logs.logs,
      logCount: logs.count,
      failedReason: job.failedReason === undefined ? null : job.failedReason,
      attemptsMade: job.attemptsMade,
      attemptsStarted: job.attemptsStarted,
      stalledCounter: job.stalledCounter,
      stacktrace: job.stacktrace,
      processedBy: job.processedBy === undefined ? null : job.processedBy,
      processedOn: job.processedOn === undefined ? null : job.processedOn,
      finishedOn: job.finishedOn === undefined ? null : job.finishedOn,
      delay: job.delay,
      childrenValues: (await job.getChildrenValues()) || {},
      events: events[id] || [],
      eventDetails: eventDetails[id] || [],
      hash,
    };
  }
  return { jobs };
}

const commands = {
  // {queue, jobs: [{name, data, opts, rawData?}]} -> {ids}
  // rawData replaces the stored `data` field verbatim (to store what no producer would).
  async add() {
    const queue = track(new Queue(args.queue, { connection }));
    const admin = adminClient();
    const ids = [];
    for (const spec of args.jobs) {
      const job = await queue.add(spec.name, spec.data === undefined ? {} : spec.data, spec.opts || {});
      if (spec.rawData !== undefined) {
        await admin.hset(`${prefix}:${args.queue}:${job.id}`, 'data', spec.rawData);
      }
      ids.push(job.id);
    }
    return { ids };
  },

  // The gateway's flow (protifer contract 1.2): parent in args.parent.queue, one child.
  // {parent: {queue, name, data, opts}, child: {queue, name, data, opts}} -> {parentId, childId}
  async flow() {
    const flow = track(new FlowProducer({ connection }));
    const tree = await flow.add({
      name: args.parent.name,
      queueName: args.parent.queue,
      data: args.parent.data,
      opts: args.parent.opts,
      children: [{
        name: args.child.name,
        queueName: args.child.queue,
        data: args.child.data,
        opts: args.child.opts,
      }],
    });
    return { parentId: tree.job.id, childId: tree.children[0].job.id };
  },

  // {queue, ids, states = ['completed','failed'], listenEvents?} -> describe + queueEvents
  // Waits until every job is in one of `states`. With listenEvents, a QueueEvents replaying the
  // stream from the start also has to report each job's terminal event, parsed as a Node
  // listener receives it.
  async wait() {
    const states = args.states || ['completed', 'failed'];
    const queue = track(new Queue(args.queue, { connection }));
    const seen = {};
    if (args.listenEvents) {
      const queueEvents = track(new QueueEvents(args.queue, { connection, lastEventId: '0-0' }));
      for (const name of ['completed', 'failed', 'progress']) {
        queueEvents.on(name, eventArgs => (seen[eventArgs.jobId] ||= []).push({ event: name, ...eventArgs }));
      }
      await queueEvents.waitUntilReady();
    }
    for (;;) {
      let done = true;
      for (const id of args.ids) {
        if (!states.includes(await queue.getJobState(id))) done = false;
      }
      const eventsDone = !args.listenEvents || args.ids.every(id =>
        (seen[id] || []).some(e => e.event === 'completed' || e.event === 'failed'));
      if (done && eventsDone) break;
      await sleep(25);
    }
    const out = await describeJobs(args.queue, args.ids);
    out.queueEvents = seen;
    return out;
  },

  // {queue, ids} -> {jobs: {id: {...}}}
  async describe() {
    return describeJobs(args.queue, args.ids);
  },

  // {queue} -> {workers: [client names]} as Queue.getWorkers() lists them
  async workers() {
    const queue = track(new Queue(args.queue, { connection }));
    const workers = await queue.getWorkers();
    return { workers: workers.map(w => w.rawname) };
  },

  // The reference: the same jobs processed by a real Node Worker, whose processor does what the
  // C++ parity test's processor does. {queue, workerName, jobs: [{name, data, opts}]} -> {ids}
  //   every job: updateProgress(42), log('l1'); name 'retry' always throws Error('always');
  //   name 'flaky' throws Error('once') on its first attempt; otherwise returns {ok: data.v}.
  async nodeWorker() {
    const queue = track(new Queue(args.queue, { connection }));
    const ids = [];
    for (const spec of args.jobs) ids.push((await queue.add(spec.name, spec.data, spec.opts || {})).id);
    const worker = new Worker(args.queue, async job => {
      await job.updateProgress(42);
      await job.log('l1');
      if (job.name === 'retry') throw new Error('always');
      if (job.name === 'flaky' && job.attemptsMade === 0) throw new Error('once');
      return { ok: job.data.v };
    }, { connection, name: args.workerName });
    for (;;) {
      const states = await Promise.all(ids.map(id => queue.getJobState(id)));
      if (states.every(st => st === 'completed' || st === 'failed')) break;
      await sleep(25);
    }
    await worker.close();
    return { ids };
  },

  // A worker that vanishes mid-job: a Node Worker fetches one job by hand (lock of
  // args.lockDuration ms, never renewed: no run(), so no lock manager) and closes without
  // finishing it. {queue, lockDuration} -> {jobId, token}
  async stall() {
    const worker = new Worker(args.queue, null, { connection, autorun: false, lockDuration: args.lockDuration });
    const token = 'vanished-worker-token';
    const job = await worker.getNextJob(token);
    await worker.close(true);
    return { jobId: job ? job.id : null, token };
  },
};

async function main() {
  const timeout = setTimeout(() => {
    process.stderr.write(`bullmq_cli ${command}: timed out after ${args.timeoutMs || 20000} ms\n`);
    process.exit(3);
  }, args.timeoutMs || 20000);
  if (!commands[command]) throw new Error(`unknown command ${command}`);
  const result = await commands[command]();
  for (const close of closers.reverse()) await close();
  clearTimeout(timeout);
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(() => process.exit(0), err => {
  process.stderr.write(`bullmq_cli ${command}: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
