'use strict';
// The submission half of protifer's API gateway (services/api-gateway/src/routes/predictions.ts),
// without HTTP: identifiers, job data, dedup and the BullMQ flow, exactly as protifer builds them
// (contract §1.2 steps 3, 4, 6, 7, 9 and §2.6). The end-to-end suite and the quick-start demo
// submit work through this module, so the C++ workers see what production's gateway enqueues.
//
//   const gateway = require('./gateway');
//   const gw = gateway.createGateway({ connection: { host, port, password } });
//   const r = await gw.submit({ sequence: 'MKTV…', userId: 'u1', plan: 'pro' });
//   // r = { jobId, statusUrl, enqueued, embJobId, sequenceHash, priority, submittedAt, ... }
//   await gw.close();
//
// Which bullmq: the `bullmq` option (a loaded module), else the package installed under the
// directory named by PROTIFER_BULLMQ_DIR (it holds node_modules/bullmq), else the repository's
// own (package.json pin). So the same code drives bullmq 5.81.5 and protifer's 5.71.0.
// Dependencies: node built-ins and that bullmq (with its ioredis) only.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

// Queue names and job names (contract §1.3); no prefix is configured anywhere, BullMQ's `bull`.
const QUEUE_NAMES = Object.freeze({ embedding: 'embedding', prediction: 'prediction' });
const JOB_NAMES = Object.freeze({ embedding: 'embedding', prediction: 'prediction' });

// The dev/CI served suite (contract §1.2, infra/triton/model-inventory.dev.json): one embedding
// model and the seven prediction models in inventory order; `variation` is internal.
const DEV_EMBEDDING_MODEL = Object.freeze({ name: 'prott5_xl_u50', version: 'dev' });
const DEV_PREDICTION_MODELS = Object.freeze([
  'prott5_secondary_structure',
  'tmbed',
  'seth',
  'bindembed',
  'prott5_conservation',
  'light_attention_subcellular',
  'light_attention_membrane',
].map(name => Object.freeze({ name, version: 'dev' })));

// DEFAULT_PLAN_PRIORITY (lower = drained first), contract §1.2 step 7.
const DEFAULT_PLAN_PRIORITY = Object.freeze({ enterprise: 1, pro: 2, free: 3 });

// DEFAULT_JOB_OPTIONS of packages/shared/src/queue.ts: the gateway's Queue objects carry them, so
// they apply to jobs added with Queue.add (POST /v1/embeddings) but not to flow jobs (§1.3).
const DEFAULT_JOB_OPTIONS = Object.freeze({
  attempts: 5,
  backoff: Object.freeze({ type: 'exponential', delay: 30000 }),
  removeOnComplete: Object.freeze({ count: 1000 }),
  removeOnFail: Object.freeze({ count: 100 }),
});

// Gateway-side limits (contract §1.2 steps 1-2).
const MAX_SEQUENCE_LENGTH_CAP = 16384;
const DEFAULT_MAX_SEQUENCE_LENGTH = 4096;

// ---- packages/shared/src/hash.ts (contract §2.6) ----

function sha256Hex(text) {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

function computeSequenceHash(sequence) {
  return sha256Hex(sequence);
}

// JSON of the models sorted by name with localeCompare (stable), each object in its own key order.
function sortedModelConfigJson(models) {
  return JSON.stringify([...models].sort((a, b) => a.name.localeCompare(b.name)));
}

function computeModelConfigHash(models) {
  return sha256Hex(sortedModelConfigJson(models));
}

function computeEmbeddingJobId(sequence, embeddingModel) {
  return sha256Hex(`${sequence}:${embeddingModel.name}:${embeddingModel.version}`);
}

function computePredictionJobId(sequence, embeddingModel, predictionModels) {
  return sha256Hex(
    `${sequence}:${embeddingModel.name}:${embeddingModel.version}:${computeModelConfigHash(predictionModels)}`);
}

function embeddingRefKey(embeddingModel, sequenceHash) {
  return `emb/${embeddingModel.name}/${embeddingModel.version}/${sequenceHash}`;
}

function predictionRefKey(embeddingModel, predictionModels, sequenceHash) {
  const inner = sha256Hex(
    `${embeddingModel.name}:${embeddingModel.version}:${computeModelConfigHash(predictionModels)}`);
  return `pred/${inner}/${sequenceHash}`;
}

// ---- which bullmq ----

// Loads `name` (bullmq, ioredis, ...) from the directory named by PROTIFER_BULLMQ_DIR (or `dir`),
// else from this repository's node_modules.
function requireFromBullmqDir(name, dir = process.env.PROTIFER_BULLMQ_DIR) {
  if (!dir) return require(name);
  let file;
  try {
    file = require.resolve(name, { paths: [path.resolve(dir)] });
  } catch (err) {
    throw new Error(`${name} is not installed under PROTIFER_BULLMQ_DIR=${dir} (run scripts/setup): ${err.message}`);
  }
  return require(file);
}

function resolveBullmq(dir) {
  return requireFromBullmqDir('bullmq', dir);
}

// The version of the bullmq that resolveBullmq(dir) loads (from its package.json).
function bullmqVersion(dir = process.env.PROTIFER_BULLMQ_DIR) {
  const entry = dir ? require.resolve('bullmq', { paths: [path.resolve(dir)] }) : require.resolve('bullmq');
  for (let d = path.dirname(entry); d !== path.dirname(d); d = path.dirname(d)) {
    const file = path.join(d, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg.name === 'bullmq') return pkg.version;
    }
  }
  return undefined;
}

// ---- job data (contract §1.2 step 6, §2.2) ----

// The gateway builds both payloads with one shared submittedAt; accession and request_id only
// when truthy, userId always. predictionModels is copied as given (order kept: it ends up verbatim
// in the stored `versions`).
function buildJobData({ sequence, accession, userId, requestId, embeddingModel, predictionModels, submittedAt }) {
  const sequenceHash = computeSequenceHash(sequence);
  const base = { sequence, sequenceHash };
  if (accession) base.accession = accession;
  const embeddingData = { ...base, embeddingModel, userId, submittedAt };
  const predictionData = { ...base, embeddingModel, predictionModels, userId, submittedAt };
  if (requestId) {
    embeddingData.request_id = requestId;
    predictionData.request_id = requestId;
  }
  return { embeddingData, predictionData };
}

// The FlowProducer.add tree of contract §1.2 step 9.
function buildFlow({ predJobId, embJobId, priority, embeddingData, predictionData }) {
  return {
    name: JOB_NAMES.prediction,
    queueName: QUEUE_NAMES.prediction,
    data: predictionData,
    opts: { jobId: predJobId, priority },
    children: [{
      name: JOB_NAMES.embedding,
      queueName: QUEUE_NAMES.embedding,
      data: embeddingData,
      opts: { jobId: embJobId, failParentOnFailure: true, priority },
    }],
  };
}

// Validation of the submit body (steps 1-2); throws an Error with .code 'VALIDATION_ERROR'.
function validateSubmission({ sequence, accession }, maxSequenceLength) {
  const fail = message => Object.assign(new Error(message), { code: 'VALIDATION_ERROR' });
  if (typeof sequence !== 'string' || sequence.length < 1 || sequence.length > MAX_SEQUENCE_LENGTH_CAP) {
    throw fail(`sequence must be a string of 1..${MAX_SEQUENCE_LENGTH_CAP} characters`);
  }
  if (accession !== undefined && typeof accession !== 'string') throw fail('accession must be a string');
  if (sequence.length > maxSequenceLength) throw fail(`sequence must be at most ${maxSequenceLength} residues`);
}

// ---- the gateway ----

// options:
//   connection        ioredis options {host, port, password} (maxRetriesPerRequest: null is added)
//   bullmq            a loaded bullmq module (default: resolveBullmq())
//   embeddingModel    default DEV_EMBEDDING_MODEL
//   predictionModels  default DEV_PREDICTION_MODELS
//   priorityMap       default DEFAULT_PLAN_PRIORITY
//   maxSequenceLength default 4096 (the class default of an account)
function createGateway(options = {}) {
  const bullmq = options.bullmq || resolveBullmq();
  const connection = { maxRetriesPerRequest: null, ...options.connection };
  const embeddingModel = options.embeddingModel || DEV_EMBEDDING_MODEL;
  const predictionModels = options.predictionModels || DEV_PREDICTION_MODELS;
  const priorityMap = { ...DEFAULT_PLAN_PRIORITY, ...options.priorityMap };
  const maxSequenceLength = options.maxSequenceLength || DEFAULT_MAX_SEQUENCE_LENGTH;

  const predictionQueue = new bullmq.Queue(QUEUE_NAMES.prediction, { connection, defaultJobOptions: structuredClone(DEFAULT_JOB_OPTIONS) });
  const embeddingQueue = new bullmq.Queue(QUEUE_NAMES.embedding, { connection, defaultJobOptions: structuredClone(DEFAULT_JOB_OPTIONS) });
  const flowProducer = new bullmq.FlowProducer({ connection });

  // submission: {sequence, accession?, userId, requestId?, plan?, priority?, embeddingModel?,
  // predictionModels?, submittedAt?}. Resolves to
  //   {jobId, statusUrl, enqueued, existingState?, embJobId, sequenceHash, priority, submittedAt,
  //    embeddingModel, predictionModels, embeddingData, predictionData, flow?}
  // enqueued is false when the dedup rule answered from an existing, non-failed prediction job.
  async function submit(submission) {
    validateSubmission(submission, maxSequenceLength);
    const { sequence } = submission;
    const embModel = submission.embeddingModel || embeddingModel;
    const predModels = submission.predictionModels || predictionModels;
    const plan = submission.plan || 'free';
    const priority = submission.priority !== undefined ? submission.priority : priorityMap[plan];
    if (!Number.isInteger(priority)) throw new Error(`no priority for plan '${plan}'`);

    const sequenceHash = computeSequenceHash(sequence);
    const embJobId = computeEmbeddingJobId(sequence, embModel);
    const predJobId = computePredictionJobId(sequence, embModel, predModels);
    const statusUrl = `/v1/predictions/${predJobId}`;
    const result = {
      jobId: predJobId, statusUrl, enqueued: false, embJobId, sequenceHash, priority,
      embeddingModel: embModel, predictionModels: predModels,
    };

    // Dedup (step 4): an existing prediction job in any state but failed answers the request.
    const existing = await predictionQueue.getJob(predJobId);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'failed') return { ...result, existingState: state };
      result.existingState = state;  // protifer re-adds the flow; BullMQ sees a duplicate id
    }

    const submittedAt = submission.submittedAt || new Date().toISOString();
    const { embeddingData, predictionData } = buildJobData({
      sequence,
      accession: submission.accession,
      userId: submission.userId,
      requestId: submission.requestId,
      embeddingModel: embModel,
      predictionModels: predModels,
      submittedAt,
    });
    const flow = await flowProducer.add(buildFlow({ predJobId, embJobId, priority, embeddingData, predictionData }));
    return { ...result, enqueued: true, submittedAt, embeddingData, predictionData, flow };
  }

  // A standalone embedding job as POST /v1/embeddings adds it (routes/embeddings.ts, contract
  // §1.3): embeddingQueue.add('embedding', data, {jobId: embJobId, priority}) on a Queue whose
  // defaultJobOptions are DEFAULT_JOB_OPTIONS. Only the enqueue step is modelled (no HTTP checks).
  async function submitEmbedding(submission) {
    validateSubmission(submission, maxSequenceLength);
    const { sequence } = submission;
    const embModel = submission.embeddingModel || embeddingModel;
    const plan = submission.plan || 'free';
    const priority = submission.priority !== undefined ? submission.priority : priorityMap[plan];
    const embJobId = computeEmbeddingJobId(sequence, embModel);
    const submittedAt = submission.submittedAt || new Date().toISOString();
    const { embeddingData } = buildJobData({
      sequence,
      accession: submission.accession,
      userId: submission.userId,
      requestId: submission.requestId,
      embeddingModel: embModel,
      predictionModels: [],
      submittedAt,
    });
    const job = await embeddingQueue.add(JOB_NAMES.embedding, embeddingData, { jobId: embJobId, priority });
    return { jobId: embJobId, job, sequenceHash: embeddingData.sequenceHash, priority, submittedAt, embeddingData };
  }

  async function close() {
    await Promise.allSettled([flowProducer.close(), predictionQueue.close(), embeddingQueue.close()]);
  }

  return { submit, submitEmbedding, close, predictionQueue, embeddingQueue, flowProducer, bullmq, embeddingModel, predictionModels };
}

module.exports = {
  QUEUE_NAMES,
  JOB_NAMES,
  DEV_EMBEDDING_MODEL,
  DEV_PREDICTION_MODELS,
  DEFAULT_PLAN_PRIORITY,
  DEFAULT_JOB_OPTIONS,
  MAX_SEQUENCE_LENGTH_CAP,
  DEFAULT_MAX_SEQUENCE_LENGTH,
  sha256Hex,
  sortedModelConfigJson,
  computeSequenceHash,
  computeModelConfigHash,
  computeEmbeddingJobId,
  computePredictionJobId,
  embeddingRefKey,
  predictionRefKey,
  requireFromBullmqDir,
  resolveBullmq,
  bullmqVersion,
  buildJobData,
  buildFlow,
  validateSubmission,
  createGateway,
};
