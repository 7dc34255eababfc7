'use strict';
// Every Milvus vector type through the Node SDK: Float16, BFloat16, Int8, Float, Binary and SparseFloat fields, several
// in one collection, inserted, searched while growing and again once sealed and indexed, queried back, and searched
// together by a hybrid search. Every search is checked against a brute-force oracle over the same rows: each hit's
// score is its row's true score, and the scores are the best k of all rows (ties may pick any of the tied rows).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, ErrorCode, RRFRanker } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const { random } = require('./collections');

const DIM = 16;
const BINARY_DIM = 64;
const K = 7;
const BATCH = 40;

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

// Multiples of 1/8 in [-2, 2] are exact in float16 and bfloat16, so the oracle sees the values the server stores.
const halfVector = next => Array.from({ length: DIM }, () => Math.round(next() * 32 - 16) / 8);
// Float32 values with no ties in practice, for orderings that must not depend on how ties break.
const floatVector = next => Array.from({ length: DIM }, () => Math.fround(next() * 2 - 1));
const int8Vector = next => Array.from({ length: DIM }, () => Math.round(next() * 254 - 127));
const binaryVector = next => Array.from({ length: BINARY_DIM / 8 }, () => Math.floor(next() * 256));
function sparseVector(next) {
  const row = {};
  for (let i = 0; i < 6; i++) row[Math.floor(next() * 40)] = Math.round(next() * 64 - 8) / 8;
  return row;
}

const dot = (a, b) => a.reduce((sum, v, i) => sum + v * b[i], 0);
const norm = a => Math.sqrt(dot(a, a));
const popcount = byte => byte.toString(2).split('').filter(bit => bit === '1').length;

/** The score of a row for a query, or null when the row is no match (sparse rows sharing no index with the query). */
function score(metric, query, row) {
  switch (metric) {
    case 'L2': return query.reduce((sum, v, i) => sum + (v - row[i]) ** 2, 0);
    case 'IP': return dot(query, row);
    case 'COSINE': return dot(query, row) / (norm(query) * norm(row));
    case 'HAMMING': return query.reduce((sum, v, i) => sum + popcount(v ^ row[i]), 0);
    case 'JACCARD': {
      const both = query.reduce((sum, v, i) => sum + popcount(v & row[i]), 0);
      const either = query.reduce((sum, v, i) => sum + popcount(v | row[i]), 0);
      return either === 0 ? 0 : 1 - both / either;
    }
    case 'SPARSE_IP': {
      const shared = Object.keys(query).filter(key => key in row);
      return shared.length === 0 ? null : shared.reduce((sum, key) => sum + query[key] * row[key], 0);
    }
    default: throw new Error(`no oracle for ${metric}`);
  }
}

const higherIsBetter = metric => metric === 'IP' || metric === 'COSINE' || metric === 'SPARSE_IP';

function assertClose(actual, expected, what) {
  assert.ok(Math.abs(actual - expected) <= 1e-3 * Math.max(1, Math.abs(expected)), `${what}: got ${actual}, expected ${expected}`);
}

function checkAgainstOracle(hits, rows, field, metric, query) {
  const truth = rows
    .map(row => ({ id: String(row.id), score: score(metric, query, row[field]) }))
    .filter(entry => entry.score !== null)
    .sort((a, b) => (higherIsBetter(metric) ? b.score - a.score : a.score - b.score));
  const expected = truth.slice(0, K);
  const byId = new Map(truth.map(entry => [entry.id, entry.score]));
  assert.equal(hits.length, expected.length, `${field}: ${hits.length} hits, expected ${expected.length}`);
  hits.forEach((hit, i) => {
    assert.ok(byId.has(String(hit.id)), `${field}: hit ${hit.id} is no match for the query`);
    assertClose(hit.score, byId.get(String(hit.id)), `${field}: score of row ${hit.id}`);
    assertClose(hit.score, expected[i].score, `${field}: score of hit ${i}`);
  });
}

async function ok(promise, what) {
  const result = await promise;
  const status = result.status ?? result;
  assert.equal(status.error_code, ErrorCode.SUCCESS, `${what}: ${status.reason}`);
  return result;
}

async function createIndexedCollection(name, fields, indexes) {
  await ok(client.createCollection({
    collection_name: name,
    consistency_level: 'Strong',
    fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, ...fields],
  }), `create ${name}`);
  for (const [field, index_type, metric_type, params] of indexes) {
    await ok(client.createIndex({ collection_name: name, field_name: field, index_type, metric_type, params }), `index ${field}`);
  }
  await ok(client.loadCollectionSync({ collection_name: name }), `load ${name}`);
}

/** Searches each field for a few queries and checks every answer against the oracle over `rows`. */
async function searchAll(name, rows, searches, makeQuery, next) {
  for (const { field, metric, params } of searches) {
    for (let q = 0; q < 3; q++) {
      const query = makeQuery(field, next);
      const result = await ok(client.search({
        collection_name: name, anns_field: field, data: [query], limit: K, params, output_fields: ['id'],
      }), `search ${field}`);
      checkAgainstOracle(result.results, rows, field, metric, query);
    }
  }
}

/** Inserts a batch, searches (growing), flushes, inserts more and searches again (sealed and indexed + growing). */
async function exercise(name, makeRow, searches, makeQuery) {
  const next = random(name.length * 7919);
  const rows = [];
  const insert = async () => {
    const batch = Array.from({ length: BATCH }, (_, i) => ({ id: rows.length + i + 1, ...makeRow(next) }));
    await ok(client.insert({ collection_name: name, data: batch }), `insert into ${name}`);
    rows.push(...batch);
  };
  await insert();
  await searchAll(name, rows, searches, makeQuery, next);
  await ok(client.flushSync({ collection_names: [name] }), `flush ${name}`);
  await insert();
  await searchAll(name, rows, searches, makeQuery, next);
  return rows;
}

test('Float16, BFloat16, Int8 and Float vectors in one collection are searched exactly like their float values', async () => {
  const name = 'types_dense';
  await createIndexedCollection(name, [
    { name: 'half', data_type: DataType.Float16Vector, dim: DIM },
    { name: 'brain', data_type: DataType.BFloat16Vector, dim: DIM },
    { name: 'small', data_type: DataType.Int8Vector, dim: DIM },
    { name: 'full', data_type: DataType.FloatVector, dim: DIM },
  ], [
    ['half', 'FLAT', 'L2'],
    ['brain', 'IVF_FLAT', 'IP', { nlist: 4 }],
    ['small', 'HNSW', 'COSINE', { M: 16, efConstruction: 200 }],
    ['full', 'FLAT', 'COSINE'],
  ]);
  const searches = [
    { field: 'half', metric: 'L2' },
    { field: 'brain', metric: 'IP', params: { nprobe: 4 } },
    { field: 'small', metric: 'COSINE', params: { ef: 200 } },
    { field: 'full', metric: 'COSINE' },
  ];
  const makeQuery = (field, next) => (field === 'small' ? int8Vector(next) : halfVector(next));
  const rows = await exercise(name, next => ({ half: halfVector(next), brain: halfVector(next), small: int8Vector(next), full: halfVector(next) }), searches, makeQuery);

  const queried = await ok(client.query({ collection_name: name, filter: 'id in [1, 2, 60]', output_fields: ['half', 'brain', 'small'] }), 'query');
  assert.equal(queried.data.length, 3);
  for (const got of queried.data) {
    const row = rows.find(r => String(r.id) === String(got.id));
    assert.deepEqual(Array.from(got.half, Number), row.half);
    assert.deepEqual(Array.from(got.brain, Number), row.brain);
    // The SDK hands int8 vectors back as the bytes' unsigned values.
    assert.deepEqual(Array.from(got.small, v => (Number(v) << 24) >> 24), row.small);
  }

  // A hybrid search across the types: its hits are rows of the collection, ranked by RRF over the two searches.
  const hybrid = await ok(client.hybridSearch({
    collection_name: name,
    data: [
      { anns_field: 'half', data: [rows[0].half], params: {} },
      { anns_field: 'small', data: [rows[0].small], params: { ef: 200 } },
    ],
    rerank: { strategy: 'rrf', params: { k: 60 } },
    limit: K,
  }), 'hybrid search');
  assert.equal(hybrid.results.length, K);
  assert.equal(String(hybrid.results[0].id), String(rows[0].id), 'the row both searches rank first is first');
});

test('Binary vectors are searched with BIN_FLAT (HAMMING) and BIN_IVF_FLAT (JACCARD) and returned as bytes', async () => {
  const name = 'types_binary';
  await createIndexedCollection(name, [
    { name: 'bits', data_type: DataType.BinaryVector, dim: BINARY_DIM },
    { name: 'bits_ivf', data_type: DataType.BinaryVector, dim: BINARY_DIM },
  ], [
    ['bits', 'BIN_FLAT', 'HAMMING'],
    ['bits_ivf', 'BIN_IVF_FLAT', 'JACCARD', { nlist: 4 }],
  ]);
  const searches = [
    { field: 'bits', metric: 'HAMMING' },
    { field: 'bits_ivf', metric: 'JACCARD', params: { nprobe: 4 } },
  ];
  const rows = await exercise(name, next => ({ bits: binaryVector(next), bits_ivf: binaryVector(next) }), searches, (_, next) => binaryVector(next));

  const queried = await ok(client.query({ collection_name: name, filter: 'id in [3, 50]', output_fields: ['bits'] }), 'query');
  for (const got of queried.data) {
    assert.deepEqual(Array.from(got.bits, Number), rows.find(r => String(r.id) === String(got.id)).bits);
  }

  const wrongMetric = await client.search({ collection_name: name, anns_field: 'bits', data: [rows[0].bits], limit: K, metric_type: 'L2' });
  assert.notEqual(wrongMetric.status.error_code, ErrorCode.SUCCESS, 'L2 does not apply to binary vectors');
});

test('Sparse vectors are searched with SPARSE_INVERTED_INDEX and SPARSE_WAND (IP) and returned as index-value maps', async () => {
  const name = 'types_sparse';
  await createIndexedCollection(name, [
    { name: 'terms', data_type: DataType.SparseFloatVector },
    { name: 'terms_wand', data_type: DataType.SparseFloatVector },
  ], [
    ['terms', 'SPARSE_INVERTED_INDEX', 'IP'],
    ['terms_wand', 'SPARSE_WAND', 'IP'],
  ]);
  const searches = [
    { field: 'terms', metric: 'SPARSE_IP' },
    { field: 'terms_wand', metric: 'SPARSE_IP' },
  ];
  const rows = await exercise(name, next => ({ terms: sparseVector(next), terms_wand: sparseVector(next) }), searches, (_, next) => sparseVector(next));

  const queried = await ok(client.query({ collection_name: name, filter: 'id in [5, 45]', output_fields: ['terms'] }), 'query');
  for (const got of queried.data) {
    const expected = rows.find(r => String(r.id) === String(got.id)).terms;
    const nonZero = Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== 0).map(([k, v]) => [String(k), v]));
    assert.deepEqual(got.terms, nonZero);
  }

  const badRow = await client.insert({ collection_name: name, data: [{ id: 1000, terms: { 3: NaN }, terms_wand: { 1: 1 } }] });
  assert.notEqual(badRow.status.error_code, ErrorCode.SUCCESS, 'a sparse value that is not a number is refused');
});

/**
 * The brute-force grouping: rows best first, each joining its group while the group has room, groups ranked by their
 * best row. Returns [{ value, hits: [{ id, score }] }].
 */
function groupOracle(rows, query, limit, size) {
  const ranked = rows.map(row => ({ id: String(row.id), value: String(row.colour), score: score('L2', query, row.vec) }))
    .sort((a, b) => a.score - b.score);
  const groups = new Map();
  for (const hit of ranked) {
    if (!groups.has(hit.value)) groups.set(hit.value, []);
    const members = groups.get(hit.value);
    if (members.length < size) members.push(hit);
  }
  return [...groups.entries()].slice(0, limit).map(([value, hits]) => ({ value, hits }));
}

/** The SDK's hits of one grouping search, cut where the group value changes (hits come group by group). */
function groupsOf(results) {
  const groups = [];
  for (const hit of results) {
    const value = String(hit.colour);
    if (groups.length === 0 || groups[groups.length - 1].value !== value) groups.push({ value, hits: [] });
    groups[groups.length - 1].hits.push({ id: String(hit.id), score: hit.score });
  }
  return groups;
}

test('a grouping search over growing and sealed segments of two shards ranks groups as the brute-force grouping does', async () => {
  const name = 'types_grouping';
  const colours = 5;
  await ok(client.createCollection({
    collection_name: name,
    consistency_level: 'Strong',
    shards_num: 2,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      { name: 'colour', data_type: DataType.Int64 },
    ],
  }), 'create');
  await ok(client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), 'index');
  await ok(client.loadCollectionSync({ collection_name: name }), 'load');
  const next = random(5);
  const rows = [];
  for (let batch = 0; batch < 2; batch++) {
    const inserted = Array.from({ length: 60 }, (_, i) => ({ id: rows.length + i + 1, vec: floatVector(next), colour: Math.floor(next() * colours) }));
    await ok(client.insert({ collection_name: name, data: inserted }), 'insert');
    rows.push(...inserted);
    if (batch === 0) await ok(client.flushSync({ collection_names: [name] }), 'flush');
  }

  for (let q = 0; q < 3; q++) {
    const query = floatVector(next);
    // Every group asked for and strict sizes: each segment fills all its groups, so the answer is exact.
    const strict = await ok(client.search({
      collection_name: name, data: [query], limit: colours, group_by_field: 'colour', group_size: 3, strict_group_size: true, output_fields: ['colour'],
    }), 'strict grouping search');
    const expected = groupOracle(rows, query, colours, 3);
    const got = groupsOf(strict.results);
    assert.deepEqual(got.map(g => g.value), expected.map(g => g.value), 'groups in the order of their best row');
    got.forEach((group, i) => {
      assert.equal(group.hits.length, expected[i].hits.length, `members of group ${group.value}`);
      group.hits.forEach((hit, j) => assertClose(hit.score, expected[i].hits[j].score, `group ${group.value} member ${j}`));
    });

    // Fewer groups than there are: the groups and their best rows are still exact; members are rows of the group.
    const top = await ok(client.search({
      collection_name: name, data: [query], limit: 2, group_by_field: 'colour', group_size: 2, output_fields: ['colour'],
    }), 'grouping search');
    const best = groupOracle(rows, query, 2, 2);
    const found = groupsOf(top.results);
    assert.deepEqual(found.map(g => g.value), best.map(g => g.value));
    found.forEach((group, i) => {
      assertClose(group.hits[0].score, best[i].hits[0].score, `best row of group ${group.value}`);
      assert.ok(group.hits.length <= 2);
      for (const hit of group.hits) {
        const row = rows.find(r => String(r.id) === hit.id);
        assert.equal(String(row.colour), group.value);
        assertClose(hit.score, score('L2', query, row.vec), `score of row ${hit.id}`);
      }
    });
  }

  // A grouped hybrid search: each search grouped alike, the RRF-fused hits grouped again, a group ranked by its best hit.
  const [first, second] = [floatVector(next), floatVector(next)];
  const grouped = { limit: 3, group_by_field: 'colour', group_size: 2, strict_group_size: true, output_fields: ['colour'] };
  const lists = [];
  for (const query of [first, second]) {
    lists.push((await ok(client.search({ collection_name: name, data: [query], ...grouped }), 'grouped search')).results);
  }
  const fused = new Map();
  const colourOf = new Map();
  lists.forEach(list => list.forEach((hit, rank) => {
    fused.set(String(hit.id), (fused.get(String(hit.id)) || 0) + 1 / (60 + rank + 1));
    colourOf.set(String(hit.id), String(hit.colour));
  }));
  const expectedGroups = [];
  for (const [id] of [...fused.entries()].sort((x, y) => y[1] - x[1] || Number(x[0]) - Number(y[0]))) {
    let group = expectedGroups.find(g => g.value === colourOf.get(id));
    if (!group) {
      if (expectedGroups.length === grouped.limit) continue;
      group = { value: colourOf.get(id), ids: [] };
      expectedGroups.push(group);
    }
    if (group.ids.length < grouped.group_size) group.ids.push(id);
  }
  const hybrid = await ok(client.hybridSearch({
    collection_name: name, data: [{ data: first, anns_field: 'vec' }, { data: second, anns_field: 'vec' }], rerank: RRFRanker(60), ...grouped,
  }), 'grouped hybrid search');
  const hybridGroups = groupsOf(hybrid.results);
  assert.deepEqual(hybridGroups.map(g => g.value), expectedGroups.map(g => g.value));
  hybridGroups.forEach((group, i) => assert.deepEqual(group.hits.map(h => h.id), expectedGroups[i].ids));

  const onVector = await client.search({ collection_name: name, data: [floatVector(next)], limit: 2, group_by_field: 'vec' });
  assert.notEqual(onVector.status.error_code, ErrorCode.SUCCESS, 'a vector field cannot group');
});
