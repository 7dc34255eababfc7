'use strict';
// Collection snapshots through the Node SDK (Milvus 3.0's createSnapshot, restoreSnapshot and the calls around them):
// a collection with a partition key, a BM25 function, a nullable field with a default and dynamic keys is snapshotted
// after writes and deletes, changed afterwards, dropped, and restored; the restored collection holds exactly the rows
// acknowledged before the snapshot, searches by text as the source did, and keeps its schema. Expectations come from
// the rows written here.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, FunctionType } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const { createCollection, random, succeeded, vector } = require('./collections');

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

const WORDS = ['amber', 'birch', 'cedar', 'dune', 'ember', 'fjord'];

async function restored(jobId) {
  for (let attempt = 0; attempt < 240; attempt++) {
    const state = succeeded(await client.getRestoreSnapshotState({ job_id: jobId }));
    if (state.info.state === 'RestoreSnapshotCompleted' || state.info.state === 'RestoreSnapshotFailed') return state.info;
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  assert.fail(`restore job ${jobId} did not finish within a minute`);
}

async function idsOf(collection, filter) {
  const rows = succeeded(await client.query({ collection_name: collection, filter, output_fields: ['id'], consistency_level: 'Strong', limit: 1000 }));
  return rows.data.map(r => Number(r.id)).sort((a, b) => a - b);
}

test('a snapshot restores the rows acknowledged before it, after its collection is gone', async () => {
  const name = `snapshot_${Date.now()}`;
  const target = `${name}_restored`;
  await createCollection(client, name, [
    { name: 'shelf', data_type: DataType.Int64, is_partition_key: true },
    { name: 'text', data_type: DataType.VarChar, max_length: 200, enable_analyzer: true },
    { name: 'sparse', data_type: DataType.SparseFloatVector, is_function_output: true },
    { name: 'rating', data_type: DataType.Int32, nullable: true, default_value: 3 },
  ], {
    enable_dynamic_field: true,
    num_partitions: 4,
    functions: [{ name: 'text_bm25', type: FunctionType.BM25, input_field_names: ['text'], output_field_names: ['sparse'], params: {} }],
  });
  succeeded(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }));
  succeeded(await client.createIndex({ collection_name: name, field_name: 'sparse', index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'BM25' }));

  const next = random(26);
  const rows = Array.from({ length: 300 }, (_, id) => ({
    id,
    vec: vector(id),
    shelf: id % 7,
    text: Array.from({ length: 1 + Math.floor(next() * 5) }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' '),
    ...(id % 5 === 0 ? {} : { rating: id % 10 }),
    mood: id % 2 === 0 ? 'calm' : 'bold',
  }));
  succeeded(await client.insert({ collection_name: name, data: rows.slice(0, 200) }));
  succeeded(await client.flush({ collection_names: [name] }));
  succeeded(await client.insert({ collection_name: name, data: rows.slice(200) }));
  succeeded(await client.delete({ collection_name: name, filter: 'id in [1, 2, 250]' }));

  succeeded(await client.createSnapshot({ collection_name: name, snapshot_name: 'before', description: 'kept' }));
  succeeded(await client.insert({ collection_name: name, data: [{ id: 1000, vec: vector(1000), shelf: 1, text: 'amber' }] }));
  succeeded(await client.delete({ collection_name: name, filter: 'id == 10' }));
  succeeded(await client.dropCollection({ collection_name: name }));

  assert.deepEqual(succeeded(await client.listSnapshots({ collection_name: name })).snapshots, ['before']);
  const described = succeeded(await client.describeSnapshot({ collection_name: name, snapshot_name: 'before' }));
  assert.equal(described.description, 'kept');
  assert.equal(described.partition_names.length, 4);

  const restore = succeeded(await client.restoreSnapshot({
    snapshot_name: 'before', source_collection_name: name, target_collection_name: target,
  }));
  const info = await restored(restore.job_id);
  assert.equal(info.state, 'RestoreSnapshotCompleted', info.reason);

  const schema = (await client.describeCollection({ collection_name: target })).schema;
  assert.equal(schema.functions[0].type, 'BM25');
  assert.equal(schema.fields.find(f => f.name === 'shelf').is_partition_key, true);
  assert.equal(schema.fields.find(f => f.name === 'rating').nullable, true);
  await client.loadCollectionSync({ collection_name: target });

  const kept = rows.filter(r => ![1, 2, 250].includes(r.id));
  assert.deepEqual(await idsOf(target, 'id >= 0'), kept.map(r => r.id));
  assert.deepEqual(await idsOf(target, 'shelf == 3 and mood == "bold"'), kept.filter(r => r.shelf === 3 && r.mood === 'bold').map(r => r.id));
  const ratings = succeeded(await client.query({
    collection_name: target, filter: 'id in [0, 7]', output_fields: ['rating'], consistency_level: 'Strong',
  })).data.sort((a, b) => Number(a.id) - Number(b.id));
  assert.deepEqual(ratings.map(r => r.rating), [3, 7]);

  const search = succeeded(await client.search({
    collection_name: target, data: 'cedar fjord', anns_field: 'sparse', limit: 500, output_fields: ['text'], consistency_level: 'Strong',
  }));
  const matching = kept.filter(r => /cedar|fjord/.test(r.text)).map(r => r.id).sort((a, b) => a - b);
  assert.deepEqual(search.results.map(h => Number(h.id)).sort((a, b) => a - b), matching);

  const jobs = succeeded(await client.listRestoreSnapshotJobs({ collection_name: target })).jobs;
  assert.ok(jobs.some(j => String(j.job_id) === String(restore.job_id)));

  succeeded(await client.dropSnapshot({ collection_name: name, snapshot_name: 'before' }));
  succeeded(await client.dropCollection({ collection_name: target }));
});
