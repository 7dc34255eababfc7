'use strict';
// Behaviours the Milvus Node SDK relies on, each checked through the SDK against Milvus.Akka: null JSON values,
// scalar index rules, loading and releasing single partitions, filter templates, replica counts beyond the query nodes refused and Milvus's error codes.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, ErrorCode, LoadState, ShowPartitionsType } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const collections = require('./collections');

const { vector } = collections;

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

const createCollection = (name, extraFields = [], options = {}) =>
  collections.createCollection(client, name, [{ name: 'n', data_type: DataType.Int64 }, ...extraFields], options);
const indexAndLoad = (name, load = true) => collections.indexAndLoad(client, name, load);

test('a null value of a nullable JSON field is stored and returned as null', async () => {
  await createCollection('behaviour_json', [{ name: 'doc', data_type: DataType.JSON, nullable: true }]);
  const rows = [0, 1, 2, 3].map(id => ({ id, vec: vector(id), n: id, doc: id % 2 === 0 ? null : { id, odd: true } }));
  const inserted = await client.insert({ collection_name: 'behaviour_json', data: rows });
  assert.equal(inserted.status.error_code, ErrorCode.SUCCESS, inserted.status.reason);
  await indexAndLoad('behaviour_json');

  const result = await client.query({ collection_name: 'behaviour_json', filter: 'id >= 0', output_fields: ['id', 'doc'] });
  assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
  const byId = new Map(result.data.map(r => [Number(r.id), r.doc]));
  assert.deepEqual([...byId.keys()].sort(), [0, 1, 2, 3]);
  for (const row of rows) assert.deepEqual(byId.get(row.id), row.doc);

  const nulls = await client.query({ collection_name: 'behaviour_json', filter: 'doc is null', output_fields: ['id'] });
  assert.deepEqual(nulls.data.map(r => Number(r.id)).sort(), [0, 2]);
});

test('scalar indexes are checked against the field type', async () => {
  await createCollection('behaviour_scalar_index', [
    { name: 'title', data_type: DataType.VarChar, max_length: 64 },
    { name: 'score', data_type: DataType.Float },
  ]);
  const accepted = [
    ['n', 'STL_SORT'], ['title', 'Trie'], ['score', 'INVERTED'],
  ];
  for (const [field, type] of accepted) {
    const res = await client.createIndex({ collection_name: 'behaviour_scalar_index', field_name: field, index_type: type });
    assert.equal(res.error_code, ErrorCode.SUCCESS, `${type} on ${field}: ${res.reason}`);
  }
  const described = await client.describeIndex({ collection_name: 'behaviour_scalar_index', field_name: 'n' });
  assert.equal(described.index_descriptions[0].params.find(p => p.key === 'index_type').value, 'STL_SORT');

  const unknown = await client.createIndex({ collection_name: 'behaviour_scalar_index', field_name: 'title', index_type: 'NO_SUCH_INDEX' });
  assert.equal(unknown.error_code, ErrorCode.UnexpectedError);
  assert.match(unknown.reason, /invalid index type: NO_SUCH_INDEX/);
  const bitmapOnFloat = await client.createIndex({ collection_name: 'behaviour_scalar_index', field_name: 'score', index_name: 'b', index_type: 'BITMAP' });
  assert.notEqual(bitmapOnFloat.error_code, ErrorCode.SUCCESS);
  const missingField = await client.createIndex({ collection_name: 'behaviour_scalar_index', field_name: 'absent', index_type: 'INVERTED' });
  assert.equal(missingField.error_code, ErrorCode.UnexpectedError);
  assert.match(missingField.reason, /non-exist field/);
});

test('repeating an index without a name is idempotent', async () => {
  await createCollection('behaviour_index_repeat');
  const spec = { collection_name: 'behaviour_index_repeat', field_name: 'vec', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 16 } };
  assert.equal((await client.createIndex({ ...spec, index_name: 'named' })).error_code, ErrorCode.SUCCESS);
  assert.equal((await client.createIndex(spec)).error_code, ErrorCode.SUCCESS);
  const indexes = await client.describeIndex({ collection_name: 'behaviour_index_repeat' });
  assert.deepEqual(indexes.index_descriptions.map(i => i.index_name), ['named']);
});

test('partitions load and release one by one, and reads see only loaded partitions', async () => {
  const name = 'behaviour_partitions';
  await createCollection(name);
  for (const partition of ['p1', 'p2']) {
    assert.equal((await client.createPartition({ collection_name: name, partition_name: partition })).error_code, ErrorCode.SUCCESS);
  }
  const rowsOf = (partition, first) => [0, 1, 2, 3, 4].map(i => ({ id: first + i, vec: vector(first + i), n: first + i }));
  for (const [partition, first] of [['p1', 100], ['p2', 200]]) {
    const inserted = await client.insert({ collection_name: name, partition_name: partition, data: rowsOf(partition, first) });
    assert.equal(inserted.status.error_code, ErrorCode.SUCCESS, inserted.status.reason);
  }
  await indexAndLoad(name, false);

  const load = await client.loadPartitions({ collection_name: name, partition_names: ['p1'] });
  assert.equal(load.error_code, ErrorCode.SUCCESS, load.reason);
  const state = async partition => (await client.getLoadState({ collection_name: name, partition_names: [partition] })).state;
  assert.equal(await state('p1'), LoadState.LoadStateLoaded);
  assert.equal(await state('p2'), LoadState.LoadStateNotLoad);
  const loaded = await client.showPartitions({ collection_name: name, type: ShowPartitionsType.Loaded });
  assert.deepEqual(loaded.partition_names, ['p1']);

  const all = await client.query({ collection_name: name, filter: 'n >= 0', output_fields: ['n'] });
  assert.deepEqual(all.data.map(r => Number(r.n)).sort((a, b) => a - b), [100, 101, 102, 103, 104]);
  const searched = await client.search({ collection_name: name, data: [vector(200)], limit: 10 });
  assert.equal(searched.status.error_code, ErrorCode.SUCCESS, searched.status.reason);
  assert.ok(searched.results.every(r => Number(r.id) < 200), 'no hit comes from the released partition');
  const unloaded = await client.query({ collection_name: name, filter: 'n >= 0', partition_names: ['p2'] });
  assert.notEqual(unloaded.status.error_code, ErrorCode.SUCCESS);
  assert.match(unloaded.status.reason, /partition not loaded/);

  assert.equal((await client.loadPartitions({ collection_name: name, partition_names: ['p2'] })).error_code, ErrorCode.SUCCESS);
  assert.equal(await state('p2'), LoadState.LoadStateLoaded);
  const released = await client.releasePartitions({ collection_name: name, partition_names: ['p1'] });
  assert.equal(released.error_code, ErrorCode.SUCCESS, released.reason);
  assert.equal(await state('p1'), LoadState.LoadStateNotLoad);
  const rest = await client.query({ collection_name: name, filter: 'n >= 0', output_fields: ['n'] });
  assert.deepEqual(rest.data.map(r => Number(r.n)).sort((a, b) => a - b), [200, 201, 202, 203, 204]);

  assert.equal((await client.dropPartition({ collection_name: name, partition_name: 'p1' })).error_code, ErrorCode.SUCCESS);
  assert.notEqual((await client.dropPartition({ collection_name: name, partition_name: 'p2' })).error_code, ErrorCode.SUCCESS,
    'a loaded partition is not dropped');
});

test('filter templates select what the same literal filter selects', async () => {
  const name = 'behaviour_templates';
  await createCollection(name, [{ name: 'tag', data_type: DataType.VarChar, max_length: 16 }]);
  const rows = Array.from({ length: 20 }, (_, id) => ({ id, vec: vector(id), n: id * 3, tag: `t${id % 4}` }));
  await client.insert({ collection_name: name, data: rows });
  await indexAndLoad(name);

  const ids = res => res.data.map(r => Number(r.id)).sort((a, b) => a - b);
  const literal = await client.query({ collection_name: name, filter: 'n > 20 and tag in ["t1", "t2"]', output_fields: ['id'] });
  const templated = await client.query({
    collection_name: name, filter: 'n > {min} and tag in {tags}', exprValues: { min: 20, tags: ['t1', 't2'] }, output_fields: ['id'],
  });
  assert.equal(templated.status.error_code, ErrorCode.SUCCESS, templated.status.reason);
  assert.ok(literal.data.length > 0);
  assert.deepEqual(ids(templated), ids(literal));

  const searched = await client.search({ collection_name: name, data: [vector(3)], limit: 5, filter: 'n < {max}', exprValues: { max: 9 } });
  assert.equal(searched.status.error_code, ErrorCode.SUCCESS, searched.status.reason);
  assert.deepEqual(searched.results.map(r => Number(r.id)).sort(), [0, 1, 2]);

  const deleted = await client.delete({ collection_name: name, filter: 'id in {gone}', exprValues: { gone: [0, 1] } });
  assert.equal(deleted.status.error_code, ErrorCode.SUCCESS, deleted.status.reason);
  const left = await client.query({ collection_name: name, filter: 'id < 3', output_fields: ['id'] });
  assert.deepEqual(ids(left), [2]);
});

test('partition-key collections refuse manual partitions with UnexpectedError, as Milvus does', async () => {
  const name = 'behaviour_partition_key';
  await createCollection(name, [{ name: 'tenant', data_type: DataType.VarChar, max_length: 16, is_partition_key: true }], { num_partitions: 4 });
  const created = await client.createPartition({ collection_name: name, partition_name: 'manual' });
  assert.equal(created.error_code, ErrorCode.UnexpectedError);
  assert.match(created.reason, /partition key mode/);
});

test('load balance names a missing collection first', async () => {
  const res = await client.loadBalance({ src_nodeID: 1 });
  assert.equal(res.error_code, ErrorCode.CollectionNotExists);
});

test('a load asking for more replicas than query nodes is refused as Milvus does', async () => {
  const name = 'behaviour_replicas';
  await createCollection(name);
  await indexAndLoad(name, false);
  // The SDK turns a refused load into an exception; no test cluster here has 16 query nodes.
  await assert.rejects(client.loadCollection({ collection_name: name, replica_number: 16 }),
    /resource group node not enough\[rg=__default_resource_group\]\[currentNodeNum=\d+\]\[expectedNodeNum=16\]/);
  const loaded = await client.loadCollection({ collection_name: name, replica_number: 1 });
  assert.equal(loaded.error_code, ErrorCode.SUCCESS, loaded.reason);
});

test('a partial load (load_fields) serves only the loaded fields and refuses reads of the others', async () => {
  const name = 'behaviour_partial_load';
  await createCollection(name, [{ name: 'title', data_type: DataType.VarChar, max_length: 32 }]);
  const rows = [0, 1, 2].map(id => ({ id, vec: vector(id), n: id, title: `t${id}` }));
  const inserted = await client.insert({ collection_name: name, data: rows });
  assert.equal(inserted.status.error_code, ErrorCode.SUCCESS, inserted.status.reason);
  await indexAndLoad(name, false);
  const partial = await client.loadCollection({ collection_name: name, load_fields: ['id', 'vec', 'n'] });
  assert.equal(partial.error_code, ErrorCode.SUCCESS, partial.reason);
  const count = await client.query({ collection_name: name, filter: 'n >= 0', output_fields: ['count(*)'] });
  assert.equal(count.status.error_code, ErrorCode.SUCCESS, count.status.reason);
  assert.equal(Number(count.data[0]['count(*)']), 3);
  const unloaded = await client.query({ collection_name: name, filter: 'n >= 0', output_fields: ['title'] });
  assert.notEqual(unloaded.status.error_code, ErrorCode.SUCCESS);
  assert.match(unloaded.status.reason, /title.*not loaded|not loaded.*title/);
  await client.releaseCollection({ collection_name: name });
  const whole = await client.loadCollection({ collection_name: name });
  assert.equal(whole.error_code, ErrorCode.SUCCESS, whole.reason);
  const loaded = await client.query({ collection_name: name, filter: 'n >= 0', output_fields: ['title'] });
  assert.equal(loaded.status.error_code, ErrorCode.SUCCESS, loaded.status.reason);
  assert.deepEqual(loaded.data.map(r => r.title).sort(), ['t0', 't1', 't2']);
});
