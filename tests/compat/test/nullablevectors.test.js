'use strict';
// Nullable vector fields (Milvus 3.0) through the Node SDK: rows without a vector are stored, read back as null and
// filtered with `is null`, and are never search hits, growing or sealed and indexed by HNSW (whose graph holds only the
// rows with a vector: built over every row, the zero vectors standing in for nulls trapped an L2 search); a nullable
// vector field added to a loaded collection reads null on earlier rows and is searched on later ones.
// Every expectation is computed from the rows written here.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const collections = require('./collections');

const { succeeded, l2, random } = collections;
const DIM = 8;
const K = 10;

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

const next = random(21);
const floatVector = () => Array.from({ length: DIM }, () => Math.fround(next() * 2 - 1));

/** The ids of the k rows nearest `query` by L2, among the rows with a vector. */
const nearest = (rows, query, k) => rows.filter(r => r.v !== null)
  .map(r => [r.id, l2(r.v, query)]).sort((a, b) => a[1] - b[1]).slice(0, k).map(([id]) => id);

async function search(name, query, field = 'v') {
  const result = succeeded(await client.search({
    collection_name: name, anns_field: field, data: [query], limit: K, params: { ef: 64 }, output_fields: ['id'],
  }));
  return result.results.map(hit => Number(hit.id));
}

test('null vectors are stored, filtered and never hit, growing and HNSW-indexed', async () => {
  const name = 'nullable_vectors';
  succeeded(await client.createCollection({
    collection_name: name,
    consistency_level: 'Strong',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM, nullable: true },
    ],
  }));
  // Two of three rows null, so nulls outnumber the rows a search may find.
  const rows = Array.from({ length: 3000 }, (_, id) => ({ id, v: id % 3 === 0 ? floatVector() : null }));
  for (let at = 0; at < rows.length; at += 1000) {
    succeeded(await client.insert({ collection_name: name, data: rows.slice(at, at + 1000) }));
  }
  succeeded(await client.createIndex({ collection_name: name, field_name: 'v', index_type: 'HNSW', metric_type: 'L2', params: { M: 16, efConstruction: 100 } }));
  succeeded(await client.loadCollectionSync({ collection_name: name }));

  const nulls = succeeded(await client.query({ collection_name: name, filter: 'v is null', output_fields: ['count(*)'] }));
  assert.equal(Number(nulls.data[0]['count(*)']), 2000);
  const someRows = succeeded(await client.query({ collection_name: name, filter: 'id in [0, 1, 2, 3]', output_fields: ['v'] }));
  const byId = new Map(someRows.data.map(r => [Number(r.id), r.v]));
  for (const id of [0, 1, 2, 3]) {
    if (rows[id].v === null) assert.equal(byId.get(id), null, `row ${id}`);
    else assert.deepEqual(byId.get(id), rows[id].v, `row ${id}`);
  }

  const queries = Array.from({ length: 5 }, floatVector);
  for (const query of queries) {
    const hits = await search(name, query);
    assert.deepEqual(hits, nearest(rows, query, K), 'growing rows are scanned exactly');
  }

  succeeded(await client.flushSync({ collection_names: [name] }));
  // Once the sealed segment's index is built, a reload serves it with the index: the searches below are the graph's.
  for (let waited = 0; waited < 60000; waited += 200) {
    const described = succeeded(await client.describeIndex({ collection_name: name, field_name: 'v' }));
    if (Number(described.index_descriptions[0].indexed_rows) === rows.length) break;
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  succeeded(await client.releaseCollection({ collection_name: name }));
  succeeded(await client.loadCollectionSync({ collection_name: name }));
  let found = 0;
  for (const query of queries) {
    const hits = await search(name, query);
    const truth = nearest(rows, query, K);
    for (const id of hits) assert.notEqual(rows[id].v, null, `row ${id} has no vector and cannot be a hit`);
    found += hits.filter(id => truth.includes(id)).length;
  }
  assert.ok(found >= 0.9 * queries.length * K, `recall@${K} ${found / (queries.length * K)} through HNSW`);

  const filtered = succeeded(await client.search({
    collection_name: name, anns_field: 'v', data: [queries[0]], limit: K, filter: 'v is not null and id < 300', output_fields: ['id'],
  }));
  assert.deepEqual(filtered.results.map(h => Number(h.id)), nearest(rows.filter(r => r.id < 300), queries[0], K));

  // An upsert gives a null row a vector, and takes one away.
  const given = floatVector();
  succeeded(await client.upsert({ collection_name: name, data: [{ id: 1, v: given }, { id: 0, v: null }] }));
  const changed = succeeded(await client.query({ collection_name: name, filter: 'id in [0, 1]', output_fields: ['v'] }));
  assert.deepEqual(new Map(changed.data.map(r => [Number(r.id), r.v])), new Map([[0, null], [1, given]]));
  assert.equal((await search(name, given))[0], 1);
  assert.ok(!(await search(name, rows[0].v)).includes(0), 'row 0 has no vector any more');
});

test('a nullable vector field added to a loaded collection is null on earlier rows and searched on later ones', async () => {
  const name = 'nullable_vectors_added';
  await collections.createLoaded(client, name);
  succeeded(await client.insert({ collection_name: name, data: [0, 1, 2].map(id => ({ id, vec: collections.vector(id) })) }));
  succeeded(await client.flushSync({ collection_names: [name] }));

  const added = await client.addCollectionField({
    collection_name: name, field: { name: 'v', data_type: DataType.FloatVector, dim: DIM, nullable: true },
  });
  succeeded(added);
  const later = [3, 4].map(id => ({ id, vec: collections.vector(id), v: floatVector() }));
  succeeded(await client.insert({ collection_name: name, data: later }));
  succeeded(await client.createIndex({ collection_name: name, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }));
  succeeded(await client.releaseCollection({ collection_name: name }));
  succeeded(await client.loadCollectionSync({ collection_name: name }));

  const all = succeeded(await client.query({ collection_name: name, filter: 'id >= 0', output_fields: ['v'] }));
  assert.deepEqual(all.data.map(r => [Number(r.id), r.v]).sort((a, b) => a[0] - b[0]),
    [[0, null], [1, null], [2, null], [3, later[0].v], [4, later[1].v]]);
  assert.deepEqual(await search(name, later[1].v), [4, 3]);
});
