'use strict';
// Array-of-struct fields (Milvus 2.6/3.0's StructArray) through the Node SDK: structs written and read back as the SDK
// shapes them, searched by embedding lists (MAX_SIM_COSINE) and element by element (hits with their element's offset),
// filtered with element_filter (which also limits an element-level search to the elements it matches) and MATCH_*,
// with rows both in a flushed segment and still growing, and again after the collection is released and loaded from
// storage. Every expectation is computed from the rows written here.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const collections = require('./collections');

const { succeeded, l2, random } = collections;
const DIM = 4;

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

const next = random(33);
const vector = () => Array.from({ length: DIM }, () => Math.fround(next() * 2 - 1));
const dot = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0);
const cosine = (a, b) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));

// Row id holds id % 4 structs (none for every fourth row).
const rows = Array.from({ length: 400 }, (_, id) => ({
  id,
  v: vector(),
  items: Array.from({ length: id % 4 }, (_, e) => ({ label: `r${id}e${e}`, order: id * 10 + e, emb: vector(), pos: vector() })),
}));

/** MAX_SIM_COSINE of a query list against a row: each query vector's best cosine over the row's embs, summed. */
const maxSim = (list, row) => list.reduce((sum, q) => sum + Math.max(...row.items.map(item => cosine(q, item.emb))), 0);

async function search(name, data, field, limit, extra = {}) {
  return succeeded(await client.search({ collection_name: name, data, anns_field: field, limit, output_fields: ['id'], ...extra }));
}

async function checkReads(name) {
  // Structs come back as written, in order (vectors as float32).
  const read = succeeded(await client.query({ collection_name: name, filter: 'id in [0, 5, 7, 398]', output_fields: ['id', 'items'] }));
  for (const hit of read.data) {
    const row = rows[Number(hit.id)];
    assert.deepEqual(hit.items.map(s => [s.label, s.order, s.emb]), row.items.map(s => [s.label, s.order, s.emb]), `structs of row ${row.id}`);
  }

  // Embedding lists: rows ranked by MAX_SIM_COSINE (scanned exactly, so the ranking is the oracle's).
  const list = [vector(), vector()];
  const byList = await search(name, [list], 'items[emb]', 5);
  const expected = rows.filter(r => r.items.length > 0).map(r => [r.id, maxSim(list, r)]).sort((a, b) => b[1] - a[1]).slice(0, 5);
  assert.deepEqual(byList.results.map(h => Number(h.id)), expected.map(([id]) => id));
  byList.results.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i][1]) < 1e-4, `score ${h.score} vs ${expected[i][1]}`));

  // Element level: each hit is a struct element, with its offset; the nearest by L2.
  const query = vector();
  const byElement = await search(name, query, 'items[pos]', 8, { output_fields: ['id', 'items[order]'] });
  const elements = rows.flatMap(r => r.items.map((s, e) => [r.id, e, l2(query, s.pos)])).sort((a, b) => a[2] - b[2]).slice(0, 8);
  assert.deepEqual(byElement.results.map(h => [Number(h.id), Number(h.offset)]), elements.map(([id, e]) => [id, e]));
  for (const hit of byElement.results) {
    assert.equal(hit.items[Number(hit.offset)].order, Number(hit.id) * 10 + Number(hit.offset));
  }

  // With an element_filter, an element-level search scores only the elements it matches.
  const evenOnly = await search(name, query, 'items[pos]', 8, { filter: 'element_filter(items, $[order] % 2 == 0)' });
  const evenElements = rows.flatMap(r => r.items.flatMap((s, e) => (s.order % 2 === 0 ? [[r.id, e, l2(query, s.pos)]] : [])))
    .sort((a, b) => a[2] - b[2]).slice(0, 8);
  assert.deepEqual(evenOnly.results.map(h => [Number(h.id), Number(h.offset)]), evenElements.map(([id, e]) => [id, e]));

  // element_filter answers which structs matched; MATCH_* count them.
  const filtered = succeeded(await client.query({
    collection_name: name, filter: 'id < 40 && element_filter(items, $[order] % 10 == 2 || $[label] == "r5e0")', output_fields: ['id'],
  }));
  const matches = rows.filter(r => r.id < 40).flatMap(r => r.items.flatMap((s, e) => (s.order % 10 === 2 || s.label === 'r5e0' ? [[r.id, e]] : [])));
  assert.deepEqual(filtered.data.map(h => [Number(h.id), Number(h.offset)]).sort((a, b) => a[0] - b[0] || a[1] - b[1]), matches);
  const atLeastTwo = succeeded(await client.query({
    collection_name: name, filter: 'MATCH_LEAST(items, $[order] % 2 == 1, 2)', output_fields: ['id'], limit: 1000,
  }));
  assert.deepEqual(atLeastTwo.data.map(h => Number(h.id)).sort((a, b) => a - b),
    rows.filter(r => r.items.filter(s => s.order % 2 === 1).length >= 2).map(r => r.id));

  // A hybrid search of the row vector and an embedding list.
  const hybrid = succeeded(await client.hybridSearch({
    collection_name: name, data: [{ data: query, anns_field: 'v' }, { data: list, anns_field: 'items[emb]' }], limit: 6,
  }));
  assert.equal(hybrid.results.length, 6);
}

test('structs are stored, read back, searched by embedding lists and by element, and filtered', async () => {
  const name = 'struct_fields';
  succeeded(await client.createCollection({
    collection_name: name,
    consistency_level: 'Strong',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      {
        name: 'items', data_type: DataType.Array, element_type: DataType.Struct, max_capacity: 4,
        fields: [
          { name: 'label', data_type: DataType.VarChar, max_length: 16 },
          { name: 'order', data_type: DataType.Int32 },
          { name: 'emb', data_type: DataType.FloatVector, dim: DIM },
          { name: 'pos', data_type: DataType.FloatVector, dim: DIM },
        ],
      },
    ],
  }));
  // Half flushed into a sealed segment, half growing.
  succeeded(await client.insert({ collection_name: name, data: rows.slice(0, 200) }));
  succeeded(await client.flushSync({ collection_names: [name] }));
  succeeded(await client.insert({ collection_name: name, data: rows.slice(200) }));
  succeeded(await client.createIndex({ collection_name: name, field_name: 'v', index_type: 'HNSW', metric_type: 'L2' }));
  succeeded(await client.createIndex({ collection_name: name, field_name: 'items[emb]', index_type: 'HNSW', metric_type: 'MAX_SIM_COSINE' }));
  succeeded(await client.createIndex({ collection_name: name, field_name: 'items[pos]', index_type: 'AUTOINDEX', metric_type: 'L2' }));
  succeeded(await client.loadCollectionSync({ collection_name: name }));

  const described = succeeded(await client.describeCollection({ collection_name: name }));
  const items = described.schema.fields.find(f => f.name === 'items');
  assert.equal(items.element_type, 'Struct');
  assert.deepEqual(items.fields.map(f => f.name), ['label', 'order', 'emb', 'pos']);
  assert.equal(items.max_capacity, '4');

  await checkReads(name);
  succeeded(await client.flushSync({ collection_names: [name] }));
  succeeded(await client.releaseCollection({ collection_name: name }));
  succeeded(await client.loadCollectionSync({ collection_name: name }));
  await checkReads(name);

  // A struct that does not fit its schema is refused.
  const tooMany = await client.insert({
    collection_name: name,
    data: [{ id: 1000, v: vector(), items: Array.from({ length: 5 }, (_, e) => ({ label: 'x', order: e, emb: vector(), pos: vector() })) }],
  });
  assert.match(tooMany.status.reason, /more than max_capacity 4/);
  succeeded(await client.dropCollection({ collection_name: name }));
});
