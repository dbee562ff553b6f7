#!/usr/bin/env node
'use strict';
// Submits sequences as protifer's gateway does (gateway.js) and optionally waits for the results.
//
//   node tools/gateway/submit.js [--redis=HOST:PORT] [--plan=free|pro|enterprise] [--user=ID]
//        [--request-id=ID] [--accession=ACC] [--wait[=MS]] SEQUENCE...
//
// Redis password: REDIS_PASSWORD. bullmq: PROTIFER_BULLMQ_DIR (default: the repository's).
// Prints one JSON line per sequence: {jobId, embJobId, enqueued, priority, ...}; with --wait
// also {state, returnvalue | failedReason} of the prediction job. Exit 0 when every submission
// was accepted (and, with --wait, completed), 1 otherwise, 2 on bad arguments.
const gateway = require('./gateway.js');

function usage(message) {
  if (message) process.stderr.write(`submit: ${message}\n`);
  process.stderr.write('usage: submit.js [--redis=HOST:PORT] [--plan=PLAN] [--user=ID] [--request-id=ID] '
    + '[--accession=ACC] [--wait[=MS]] SEQUENCE...\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { redis: '127.0.0.1:6379', plan: 'free', user: 'demo-user', sequences: [] };
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) { opts.sequences.push(arg); continue; }
    const [, key, value] = m;
    if (key === 'help') usage();
    else if (key === 'wait') opts.waitMs = value === undefined ? 120000 : Number(value);
    else if (['redis', 'plan', 'user', 'request-id', 'accession'].includes(key) && value !== undefined) opts[key] = value;
    else usage(`unknown or incomplete option ${arg}`);
  }
  if (!opts.sequences.length) usage('no sequence given');
  const hp = /^(.+):(\d+)$/.exec(opts.redis);
  if (!hp) usage(`--redis wants HOST:PORT, got ${opts.redis}`);
  opts.connection = { host: hp[1], port: Number(hp[2]), password: process.env.REDIS_PASSWORD || undefined };
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const bullmq = gateway.resolveBullmq();
  const gw = gateway.createGateway({ connection: opts.connection, bullmq });
  const queueEvents = opts.waitMs ? new bullmq.QueueEvents('prediction', { connection: opts.connection }) : null;
  let ok = true;
  try {
    if (queueEvents) await queueEvents.waitUntilReady();
    const results = [];
    for (const sequence of opts.sequences) {
      const r = await gw.submit({
        sequence, userId: opts.user, plan: opts.plan, requestId: opts['request-id'], accession: opts.accession,
      });
      results.push(r);
    }
    for (const r of results) {
      const out = {
        jobId: r.jobId, embJobId: r.embJobId, statusUrl: r.statusUrl, enqueued: r.enqueued,
        existingState: r.existingState, priority: r.priority, sequenceHash: r.sequenceHash,
        predictionRef: gateway.predictionRefKey(r.embeddingModel, r.predictionModels, r.sequenceHash),
      };
      if (queueEvents) {
        const job = await gw.predictionQueue.getJob(r.jobId);
        try {
          out.returnvalue = await job.waitUntilFinished(queueEvents, opts.waitMs);
          out.state = 'completed';
        } catch (err) {
          out.state = await job.getState();
          out.failedReason = err.message;
          ok = false;
        }
      }
      process.stdout.write(`${JSON.stringify(out)}\n`);
    }
  } finally {
    await Promise.allSettled([gw.close(), queueEvents && queueEvents.close()]);
  }
  return ok ? 0 : 1;
}

main().then(code => process.exit(code), err => {
  process.stderr.write(`submit: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
