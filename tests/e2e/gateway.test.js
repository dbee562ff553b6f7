'use strict';
// tools/gateway/gateway.js without services: identifiers and keys against the spec's reference
// vectors (tests/vectors/test-vectors.json, contract §2.6), job data and flow shape (§1.2).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const gateway = require('../../tools/gateway/gateway.js');
const vectors = require('../vectors/test-vectors.json');

test('identifiers and object keys match the reference vectors', () => {
  assert.ok(vectors.keys.length >= 6);
  for (const v of vectors.keys) {
    const what = `${v.sequence} / ${v.predictionModels.length} models`;
    assert.equal(gateway.computeSequenceHash(v.sequence), v.sequenceHash, what);
    assert.equal(gateway.computeModelConfigHash(v.predictionModels), v.modelConfigHash, what);
    assert.equal(gateway.computeEmbeddingJobId(v.sequence, v.embeddingModel), v.embJobId, what);
    assert.equal(gateway.computePredictionJobId(v.sequence, v.embeddingModel, v.predictionModels), v.predJobId, what);
    assert.equal(gateway.embeddingRefKey(v.embeddingModel, v.sequenceHash), v.embeddingRef, what);
    assert.equal(gateway.predictionRefKey(v.embeddingModel, v.predictionModels, v.sequenceHash), v.predictionRef, what);
  }
});

test('the dev suite is the vectors\' suite: prott5_xl_u50/dev and seven prediction models', () => {
  assert.deepEqual(gateway.DEV_EMBEDDING_MODEL, vectors.keys[0].embeddingModel);
  assert.deepEqual(gateway.DEV_PREDICTION_MODELS, vectors.keys[0].predictionModels);
  assert.equal(gateway.DEV_PREDICTION_MODELS.length, 7);
  assert.ok(!gateway.DEV_PREDICTION_MODELS.some(m => m.name === 'variation'));
});

test('prediction id and result key ignore the order of predictionModels; versions change them', () => {
  const { sequence, embeddingModel, predictionModels, predJobId, predictionRef, sequenceHash } = vectors.keys[0];
  const reversed = [...predictionModels].reverse();
  assert.equal(gateway.computePredictionJobId(sequence, embeddingModel, reversed), predJobId);
  assert.equal(gateway.predictionRefKey(embeddingModel, reversed, sequenceHash), predictionRef);
  const bumped = predictionModels.map((m, i) => (i === 2 ? { ...m, version: 'v2' } : m));
  assert.notEqual(gateway.computePredictionJobId(sequence, embeddingModel, bumped), predJobId);
  assert.notEqual(gateway.computeEmbeddingJobId(sequence, { ...embeddingModel, version: 'v2' }), vectors.keys[0].embJobId);
  assert.match(gateway.predictionRefKey(embeddingModel, predictionModels, 'abc123'), /^pred\/[a-f0-9]{16,}\/abc123$/);
  assert.equal(gateway.embeddingRefKey({ name: 'prott5_xl_u50', version: 'v1' }, 'abc123'), 'emb/prott5_xl_u50/v1/abc123');
});

test('job data: one submittedAt, accession and request_id only when given, userId always', () => {
  const common = { sequence: 'MKTV', userId: 'u1', embeddingModel: gateway.DEV_EMBEDDING_MODEL,
    predictionModels: gateway.DEV_PREDICTION_MODELS, submittedAt: '2026-01-02T03:04:05.678Z' };
  const bare = gateway.buildJobData(common);
  assert.deepEqual(Object.keys(bare.embeddingData), ['sequence', 'sequenceHash', 'embeddingModel', 'userId', 'submittedAt']);
  assert.deepEqual(Object.keys(bare.predictionData),
    ['sequence', 'sequenceHash', 'embeddingModel', 'predictionModels', 'userId', 'submittedAt']);
  const full = gateway.buildJobData({ ...common, accession: 'P12345', requestId: 'req-1' });
  for (const data of [full.embeddingData, full.predictionData]) {
    assert.equal(data.accession, 'P12345');
    assert.equal(data.request_id, 'req-1');
    assert.equal(data.submittedAt, common.submittedAt);
    assert.equal(data.sequenceHash, gateway.computeSequenceHash('MKTV'));
  }
  const empty = gateway.buildJobData({ ...common, accession: '', requestId: '' });
  assert.ok(!('accession' in empty.embeddingData) && !('request_id' in empty.predictionData));
});

test('the flow: parent prediction with jobId and priority, exactly one embedding child failing its parent', () => {
  const flow = gateway.buildFlow({ predJobId: 'P', embJobId: 'E', priority: 2, embeddingData: { e: 1 }, predictionData: { p: 1 } });
  assert.deepEqual(flow, {
    name: 'prediction', queueName: 'prediction', data: { p: 1 }, opts: { jobId: 'P', priority: 2 },
    children: [{ name: 'embedding', queueName: 'embedding', data: { e: 1 },
      opts: { jobId: 'E', failParentOnFailure: true, priority: 2 } }],
  });
});

test('submission validation: length limits as the gateway applies them', () => {
  assert.throws(() => gateway.validateSubmission({ sequence: '' }, 4096), /sequence/);
  assert.throws(() => gateway.validateSubmission({ sequence: 42 }, 4096), /sequence/);
  assert.throws(() => gateway.validateSubmission({ sequence: 'A'.repeat(4097) }, 4096), /at most 4096 residues/);
  assert.doesNotThrow(() => gateway.validateSubmission({ sequence: 'A'.repeat(4096) }, 4096));
});

test('bullmq resolves from PROTIFER_BULLMQ_DIR', () => {
  assert.equal(gateway.bullmqVersion(''), require('../../node_modules/bullmq/package.json').version);
  assert.throws(() => gateway.resolveBullmq('/nonexistent-dir'), /not installed under PROTIFER_BULLMQ_DIR/);
});
