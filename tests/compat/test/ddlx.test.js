'use strict';
// Milvus 2.6 data operations through the Node SDK: truncateCollection empties a loaded collection and keeps it usable,
// upsert with partial_update keeps the fields it does not send, and a search by primary keys (ids) searches with the
// stored vectors of those rows, addCollectionField adds a field that earlier rows read as its default or null, decay
// and boost rerankers reorder hits and field_ops append to and remove from stored arrays.
// Every expectation is computed from the rows written here.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, ErrorCode, FunctionType } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const collections = require('./collections');

const { vector, l2 } = collections;

let client;
let address;
serverWithClient(MilvusClient, (connected, server) => {
  client = connected;
  address = server.address;
});

const createLoaded = name => collections.createLoaded(client, name, [
  { name: 'score', data_type: DataType.Int64 },
  { name: 'tag', data_type: DataType.VarChar, max_length: 16, nullable: true },
]);

async function insert(name, ids) {
  const result = await client.insert({
    collection_name: name,
    data: ids.map(id => ({ id, vec: vector(id), score: 10 * id, tag: `tag${id}` })),
  });
  assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
}

async function count(name) {
  const result = await client.query({ collection_name: name, filter: '', output_fields: ['count(*)'] });
  assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
  return Number(result.data[0]['count(*)']);
}

const range = (first, n) => Array.from({ length: n }, (_, i) => first + i);

test('truncateCollection removes every row and the loaded collection takes new rows', async () => {
  const name = 'ddlx_truncate';
  await createLoaded(name);
  await insert(name, range(0, 20));
  await client.flushSync({ collection_names: [name] });
  await insert(name, range(20, 10));
  assert.equal(await count(name), 30);

  const truncated = await client.truncateCollection({ collection_name: name });
  assert.equal(truncated.status.error_code, ErrorCode.SUCCESS, truncated.status.reason);

  assert.equal(await count(name), 0);
  const described = await client.describeCollection({ collection_name: name });
  assert.deepEqual(described.schema.fields.map(f => f.name), ['id', 'vec', 'score', 'tag']);
  const state = await client.getLoadState({ collection_name: name });
  assert.equal(state.state, 'LoadStateLoaded');

  await insert(name, range(5, 3));
  const rows = await client.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id'] });
  assert.deepEqual(rows.data.map(r => Number(r.id)).sort((a, b) => a - b), [5, 6, 7]);
  await client.dropCollection({ collection_name: name });
});

test('upsert with partial_update replaces only the fields sent', async () => {
  const name = 'ddlx_partial';
  await createLoaded(name);
  await insert(name, range(0, 5));

  const upserted = await client.upsert({ collection_name: name, data: [{ id: 1, score: 1001 }, { id: 3, score: 3003 }], partial_update: true });
  assert.equal(upserted.status.error_code, ErrorCode.SUCCESS, upserted.status.reason);

  const rows = await client.query({ collection_name: name, filter: 'id in [1, 3]', output_fields: ['id', 'score', 'tag', 'vec'] });
  const byId = new Map(rows.data.map(r => [Number(r.id), r]));
  for (const [id, score] of [[1, 1001], [3, 3003]]) {
    const row = byId.get(id);
    assert.equal(Number(row.score), score);
    assert.equal(row.tag, `tag${id}`);
    row.vec.forEach((x, i) => assert.ok(Math.abs(x - vector(id)[i]) < 1e-6, `vec of row ${id} kept`));
  }
  assert.equal(await count(name), 5);
  await client.dropCollection({ collection_name: name });
});

test('search by ids uses the stored vectors of those rows as the queries', async () => {
  const name = 'ddlx_search_ids';
  await createLoaded(name);
  const ids = range(0, 25);
  await insert(name, ids);

  const result = await client.search({ collection_name: name, ids: [4, 17], limit: 3, output_fields: ['id'] });
  assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
  [4, 17].forEach((queryId, q) => {
    const expected = [...ids].sort((a, b) => l2(vector(queryId), vector(a)) - l2(vector(queryId), vector(b)) || a - b).slice(0, 3);
    assert.deepEqual(result.results[q].map(hit => Number(hit.id)), expected);
  });
  await client.dropCollection({ collection_name: name });
});

test('getIndexStatistics describes the indexes with their row counts, all of them or the one named', async () => {
  const name = 'ddlx_index_statistics';
  await createLoaded(name);
  await client.createIndex({ collection_name: name, field_name: 'score', index_name: 'score_sorted', index_type: 'STL_SORT' });
  await insert(name, [1, 2, 3]);
  await client.flushSync({ collection_names: [name] });

  const all = await client.getIndexStatistics({ collection_name: name });
  assert.equal(all.status.error_code, ErrorCode.SUCCESS, all.status.reason);
  const described = await client.describeIndex({ collection_name: name });
  assert.deepEqual(all.index_descriptions.map(d => d.index_name).sort(), described.index_descriptions.map(d => d.index_name).sort());
  assert.equal(all.index_descriptions.length, 2);

  const one = await client.getIndexStatistics({ collection_name: name, index_name: 'score_sorted' });
  assert.equal(one.status.error_code, ErrorCode.SUCCESS, one.status.reason);
  assert.equal(one.index_descriptions.length, 1);
  assert.equal(one.index_descriptions[0].field_name, 'score');
  assert.equal(Number(one.index_descriptions[0].total_rows), 3);

  const missing = await client.getIndexStatistics({ collection_name: name, index_name: 'no_such_index' });
  assert.notEqual(missing.status.error_code, ErrorCode.SUCCESS);
  await client.dropCollection({ collection_name: name });
});

test('batchDescribeCollections describes each collection named as describeCollection does; an empty list is refused', async () => {
  const [first, second] = ['ddlx_batch_a', 'ddlx_batch_b'];
  await createLoaded(first);
  await createLoaded(second);

  const batch = await client.batchDescribeCollections({ collection_names: [first, second] });
  assert.equal(batch.status.error_code, ErrorCode.SUCCESS, batch.status.reason);
  assert.deepEqual(batch.responses.map(r => r.collection_name), [first, second]);
  const single = await client.describeCollection({ collection_name: second });
  assert.equal(batch.responses[1].collectionID, single.collectionID);
  assert.deepEqual(batch.responses[1].schema.fields.map(f => f.name), single.schema.fields.map(f => f.name));

  const empty = await client.batchDescribeCollections({ collection_names: [] });
  assert.notEqual(empty.status.error_code, ErrorCode.SUCCESS);
  await client.dropCollection({ collection_name: first });
  await client.dropCollection({ collection_name: second });
});

test('a boost reranker rescales the hits its filter matches', async () => {
  const name = 'ddlx_boost';
  await createLoaded(name);
  await insert(name, range(0, 12));
  const query = vector(5);
  const search = { collection_name: name, data: [query], limit: 12, output_fields: ['id'] };
  const plain = await client.search(search);
  assert.equal(plain.status.error_code, ErrorCode.SUCCESS, plain.status.reason);

  // Every row is asked for, so each segment's top-k holds all of its rows: the boosted L2 distances rank them all.
  const boosted = await client.search({
    ...search,
    rerank: { name: 'boost', type: FunctionType.RERANK, input_field_names: [], params: { reranker: 'boost', filter: 'score >= 60', weight: 0.25 } },
  });
  assert.equal(boosted.status.error_code, ErrorCode.SUCCESS, boosted.status.reason);
  const expected = range(0, 12).map(id => ({ id, s: l2(query, vector(id)) * (10 * id >= 60 ? 0.25 : 1) })).sort((a, b) => a.s - b.s);
  assert.deepEqual(boosted.results.map(r => Number(r.id)), expected.map(e => e.id));
  boosted.results.forEach((r, i) => assert.ok(Math.abs(r.score - expected[i].s) < 1e-4, `score ${r.score} against ${expected[i].s}`));
  await client.dropCollection({ collection_name: name });
});

test('addCollectionField on a loaded collection: earlier rows read the default or null, later rows carry the field', async () => {
  const name = 'ddlx_add_field';
  await createLoaded(name);
  await insert(name, range(0, 6));
  await client.flushSync({ collection_names: [name] });
  await insert(name, range(6, 4));

  const added = await client.addCollectionFields({
    collection_name: name,
    fields: [
      { name: 'label', data_type: DataType.VarChar, max_length: 16, nullable: true, default_value: 'none' },
      { name: 'weights', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 4, nullable: true },
    ],
  });
  assert.equal(added.error_code, ErrorCode.SUCCESS, added.reason);
  const refused = await client.addCollectionField({ collection_name: name, field: { name: 'strict', data_type: DataType.Int64 } });
  assert.equal(refused.error_code, ErrorCode.IllegalArgument);
  assert.match(refused.reason, /nullable/);
  const described = await client.describeCollection({ collection_name: name });
  assert.deepEqual(described.schema.fields.map(f => f.name), ['id', 'vec', 'score', 'tag', 'label', 'weights']);

  const written = await client.insert({
    collection_name: name,
    data: range(10, 2).map(id => ({ id, vec: vector(id), score: 10 * id, tag: `tag${id}`, label: `l${id}`, weights: [id, id] })),
  });
  assert.equal(written.status.error_code, ErrorCode.SUCCESS, written.status.reason);

  const rows = await client.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id', 'label', 'weights'] });
  assert.equal(rows.status.error_code, ErrorCode.SUCCESS, rows.status.reason);
  const byId = Object.fromEntries(rows.data.map(r => [Number(r.id), r]));
  assert.deepEqual(Object.keys(byId).map(Number).sort((a, b) => a - b), range(0, 12));
  for (const id of range(0, 10)) {
    assert.equal(byId[id].label, 'none');
    assert.equal(byId[id].weights, null);
  }
  for (const id of range(10, 2)) {
    assert.equal(byId[id].label, `l${id}`);
    assert.deepEqual(byId[id].weights.map(Number), [id, id]);
  }

  const labelled = await client.query({ collection_name: name, filter: 'label != "none"', output_fields: ['id'] });
  assert.deepEqual(labelled.data.map(r => Number(r.id)).sort((a, b) => a - b), [10, 11]);
  const hits = await client.search({ collection_name: name, data: [vector(11)], limit: 3, output_fields: ['label'] });
  assert.equal(hits.status.error_code, ErrorCode.SUCCESS, hits.status.reason);
  assert.equal(Number(hits.results[0].id), 11);
  assert.equal(hits.results[0].label, 'l11');
  await client.dropCollection({ collection_name: name });
});

test('a client whose cached schema predates an added field writes it into the field, not the dynamic one', async () => {
  const name = 'ddlx_schema_mismatch';
  await collections.createCollection(client, name, [], { enable_dynamic_field: true });
  await collections.indexAndLoad(client, name);
  // This client caches the schema with its first write; another one adds a field afterwards.
  const cached = new MilvusClient({ address, timeout: 60_000 });
  await cached.connectPromise;
  try {
    collections.succeeded(await cached.insert({ collection_name: name, data: [{ id: 1, vec: vector(1), mood: 'calm' }] }));
    collections.succeeded(await client.addCollectionField({
      collection_name: name, field: { name: 'late', data_type: DataType.Int64, nullable: true },
    }));

    // Built from the stale schema, 'late' would travel as a dynamic key: the server answers SchemaMismatch and the SDK
    // describes the collection again and resends.
    collections.succeeded(await cached.insert({ collection_name: name, data: [{ id: 2, vec: vector(2), late: 5, mood: 'bold' }] }));

    const rows = collections.succeeded(await client.query({
      collection_name: name, filter: 'late == 5', output_fields: ['*'], consistency_level: 'Strong',
    })).data;
    assert.deepEqual(rows.map(r => [Number(r.id), Number(r.late), r.$meta]), [[2, 5, { mood: 'bold' }]]);
  } finally {
    await cached.closeConnection();
    await client.dropCollection({ collection_name: name });
  }
});

test('a decay reranker reorders the nearest hits by how far a numeric field lies from its origin', async () => {
  const name = 'ddlx_decay';
  await createLoaded(name);
  await insert(name, range(0, 12));
  const query = vector(5);
  const limit = 4;
  const rerank = (params, inputs = ['score']) => ({ name: 'near_zero', type: FunctionType.RERANK, input_field_names: inputs, params: { reranker: 'decay', ...params } });
  const curves = {
    gauss: d => Math.exp(d * d * Math.log(0.5) / (40 * 40)),
    exp: d => Math.exp(Math.log(0.5) / 40 * d),
    linear: d => Math.max(0.5, 1 - 0.5 / 40 * d),
  };
  // Milvus reranks the limit nearest rows: L2 distances become 1 - 2·atan(d)/π, times the curve at |score - origin| - offset.
  const nearest = range(0, 12).map(id => ({ id, d: l2(query, vector(id)) })).sort((a, b) => a.d - b.d || a.id - b.id).slice(0, limit);
  for (const [curve, factor] of Object.entries(curves)) {
    const result = await client.search({
      collection_name: name, data: [query], limit, output_fields: ['id'],
      rerank: rerank({ function: curve, origin: 5, offset: 5, scale: 40, decay: 0.5 }),
    });
    assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
    const expected = nearest
      .map(({ id, d }) => ({ id, s: (1 - 2 * Math.atan(d) / Math.PI) * factor(Math.max(0, Math.abs(10 * id - 5) - 5)) }))
      .sort((a, b) => b.s - a.s);
    assert.deepEqual(result.results.map(r => Number(r.id)), expected.map(e => e.id), curve);
    result.results.forEach((r, i) => assert.ok(Math.abs(r.score - expected[i].s) < 1e-4, `${curve}: score ${r.score} against ${expected[i].s}`));
  }

  const hybrid = await client.search({
    collection_name: name, limit: 2,
    data: [{ data: vector(5), anns_field: 'vec' }, { data: vector(9), anns_field: 'vec' }],
    rerank: rerank({ function: 'exp', origin: 90, scale: 40 }),
  });
  assert.equal(hybrid.status.error_code, ErrorCode.SUCCESS, hybrid.status.reason);
  assert.equal(hybrid.results.length, 2);

  const noScale = await client.search({ collection_name: name, data: [query], limit, rerank: rerank({ function: 'gauss', origin: 0 }) });
  assert.equal(noScale.status.error_code, ErrorCode.IllegalArgument);
  assert.match(noScale.status.reason, /scale/);
  const text = await client.search({ collection_name: name, data: [query], limit, rerank: rerank({ function: 'gauss', origin: 0, scale: 1 }, ['tag']) });
  assert.equal(text.status.error_code, ErrorCode.IllegalArgument);
  assert.match(text.status.reason, /numberic field/);
  await client.dropCollection({ collection_name: name });
});

test('upsert field_ops append to and remove from the stored arrays, and insert a new row as sent', async () => {
  const name = 'ddlx_field_ops';
  await collections.createLoaded(client, name, [
    { name: 'labels', data_type: DataType.Array, element_type: DataType.VarChar, max_capacity: 5, max_length: 16 },
  ]);
  const seed = await client.insert({
    collection_name: name,
    data: [{ id: 1, vec: vector(1), labels: ['a', 'b', 'a'] }, { id: 2, vec: vector(2), labels: ['x'] }],
  });
  assert.equal(seed.status.error_code, ErrorCode.SUCCESS, seed.status.reason);
  await client.flushSync({ collection_names: [name] });

  const append = [{ field_name: 'labels', op: 'ARRAY_APPEND' }];
  const appended = await client.upsert({ collection_name: name, data: [{ id: 1, labels: ['c'] }, { id: 2, labels: ['y', 'x'] }], field_ops: append });
  assert.equal(appended.status.error_code, ErrorCode.SUCCESS, appended.status.reason);
  const fresh = await client.upsert({ collection_name: name, data: [{ id: 3, vec: vector(3), labels: ['new'] }], field_ops: append });
  assert.equal(fresh.status.error_code, ErrorCode.SUCCESS, fresh.status.reason);
  const removed = await client.upsert({
    collection_name: name, data: [{ id: 1, labels: ['a'] }], field_ops: [{ field_name: 'labels', op: 'ARRAY_REMOVE' }],
  });
  assert.equal(removed.status.error_code, ErrorCode.SUCCESS, removed.status.reason);

  const rows = await client.query({ collection_name: name, filter: 'id > 0', output_fields: ['id', 'labels', 'vec'] });
  const byId = Object.fromEntries(rows.data.map(r => [Number(r.id), r]));
  assert.deepEqual(byId[1].labels, ['b', 'c']);
  assert.deepEqual(byId[2].labels, ['x', 'y', 'x']);
  assert.deepEqual(byId[3].labels, ['new']);
  byId[2].vec.forEach((x, i) => assert.ok(Math.abs(x - vector(2)[i]) < 1e-6, 'the vector of row 2 kept'));
  assert.equal(await count(name), 3);

  const overflow = await client.upsert({
    collection_name: name, data: [{ id: 2, labels: ['1', '2', '3'] }], field_ops: [{ field_name: 'labels', op: 'ARRAY_APPEND' }],
  });
  assert.equal(overflow.status.error_code, ErrorCode.IllegalArgument);
  assert.match(overflow.status.reason, /max_capacity 5/);
  const onScalar = await client.upsert({
    collection_name: name, data: [{ id: 2, labels: ['z'] }], field_ops: [{ field_name: 'id', op: 'ARRAY_APPEND' }],
  });
  assert.equal(onScalar.status.error_code, ErrorCode.IllegalArgument);
  await client.dropCollection({ collection_name: name });
});
