'use strict';
// The SDK's query and search iterators over a collection whose rows are partly flushed (served by the query node) and
// partly growing, with some deleted: every live row comes back exactly once, query pages in primary-key order, search
// pages in distance order, and pages never overlap.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const { createLoaded, l2 } = require('./collections');

const DIM = 4;
const ROWS = 2500;
const DELETED = new Set([3, 4, 5, 999, 1000, 2499]);
const COLLECTION = 'compat_iterators';

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

// Seeded so a failure reproduces; distinct vectors so search distances order the rows without ties in practice.
function vectorOf(id) {
  let seed = (id + 1) * 2654435761 >>> 0;
  return Array.from({ length: DIM }, () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  });
}
const live = Array.from({ length: ROWS }, (_, id) => id).filter(id => !DELETED.has(id));

async function insert(from, to) {
  const data = [];
  for (let id = from; id < to; id++) data.push({ id, vec: vectorOf(id), bucket: id % 10 });
  const inserted = await client.insert({ collection_name: COLLECTION, data });
  assert.equal(inserted.status.error_code, 'Success', inserted.status.reason);
}

async function drain(iterator) {
  const pages = [];
  for await (const page of iterator) {
    if (page.length === 0) break;
    pages.push(page);
  }
  return pages;
}

test('iterators', async t => {
  await createLoaded(client, COLLECTION, [{ name: 'bucket', data_type: DataType.Int32 }], { dim: DIM });
  await insert(0, 1500);
  await client.flushSync({ collection_names: [COLLECTION] });
  await insert(1500, ROWS);
  const deleted = await client.delete({ collection_name: COLLECTION, ids: [...DELETED] });
  assert.equal(deleted.status.error_code, 'Success', deleted.status.reason);

  await t.test('a query iterator returns every live row once, in primary-key pages', async () => {
    const iterator = await client.queryIterator({
      collection_name: COLLECTION, batchSize: 300, output_fields: ['id', 'bucket'], consistency_level: 'Strong',
    });
    const pages = await drain(iterator);
    assert.ok(pages.length >= Math.ceil(live.length / 300), `${pages.length} pages`);
    assert.ok(pages.every(page => page.length <= 300), 'no page exceeds the batch size');
    const ids = pages.flat().map(row => Number(row.id));
    assert.deepEqual(ids, live, 'every live row exactly once, in primary-key order');
    pages.flat().forEach(row => assert.equal(row.bucket, Number(row.id) % 10));
  });

  await t.test('a filtered query iterator with a limit stops at the limit', async () => {
    const wanted = live.filter(id => id % 10 === 3);
    const iterator = await client.queryIterator({
      collection_name: COLLECTION, batchSize: 40, limit: 150, filter: 'bucket == 3', output_fields: ['id'], consistency_level: 'Strong',
    });
    const ids = (await drain(iterator)).flat().map(row => Number(row.id));
    assert.deepEqual(ids, wanted.slice(0, 150));
  });

  await t.test('a search iterator returns the nearest rows once each, in distance order', async () => {
    const query = vectorOf(77);
    const limit = 1200;
    const iterator = await client.searchIterator({
      collection_name: COLLECTION, data: query, batchSize: 250, limit, output_fields: ['id'], consistency_level: 'Strong',
    });
    const pages = await drain(iterator);
    assert.ok(pages.length >= Math.ceil(limit / 250), `${pages.length} pages`);
    const hits = pages.flat();
    const ids = hits.map(hit => Number(hit.id));
    assert.equal(new Set(ids).size, ids.length, 'pages are disjoint');
    const expected = live.map(id => ({ id, d: l2(vectorOf(id), query) })).sort((a, b) => a.d - b.d).slice(0, limit);
    assert.deepEqual(new Set(ids), new Set(expected.map(e => e.id)), 'together the pages are the nearest rows');
    hits.forEach((hit, i) => {
      assert.ok(Math.abs(hit.score - expected[i].d) < 1e-4, `hit ${i}: score ${hit.score}, expected ${expected[i].d}`);
    });
  });

  await client.dropCollection({ collection_name: COLLECTION });
});

// The shape of the SDK's standard collection: a partition key spreading rows over several partitions, a dynamic field,
// and COSINE, where a larger score is nearer: pages must come in descending score and the query iterator must merge
// the partitions back into one primary-key order.
const PK_COLLECTION = 'compat_iterators_partition_key';
const PK_ROWS = 1200;
const cosine = (a, b) => {
  const dot = a.reduce((s, x, i) => s + x * b[i], 0);
  return dot / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
};

test('iterators over a partition-key collection with a dynamic field, COSINE', async t => {
  const created = await client.createCollection({
    collection_name: PK_COLLECTION,
    enable_dynamic_field: true,
    num_partitions: 3,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      { name: 'bucket', data_type: DataType.Int64, is_partition_key: true },
    ],
  });
  assert.equal(created.error_code, 'Success', created.reason);
  await client.createIndex({ collection_name: PK_COLLECTION, field_name: 'vec', index_type: 'IVF_FLAT', metric_type: 'COSINE', params: { nlist: 16 } });
  await client.loadCollectionSync({ collection_name: PK_COLLECTION });
  const rows = Array.from({ length: PK_ROWS }, (_, id) => ({ id, vec: vectorOf(id), bucket: id % 7, tag: `t${id % 5}` }));
  const inserted = await client.insert({ collection_name: PK_COLLECTION, data: rows.slice(0, 700) });
  assert.equal(inserted.status.error_code, 'Success', inserted.status.reason);
  await client.flushSync({ collection_names: [PK_COLLECTION] });
  const rest = await client.insert({ collection_name: PK_COLLECTION, data: rows.slice(700) });
  assert.equal(rest.status.error_code, 'Success', rest.status.reason);

  await t.test('a query iterator merges the partitions into one primary-key order, dynamic fields included', async () => {
    const iterator = await client.queryIterator({
      collection_name: PK_COLLECTION, batchSize: 250, filter: 'id > 0', output_fields: ['id', 'tag'], consistency_level: 'Strong',
    });
    const pages = await drain(iterator);
    assert.ok(pages.every(page => page.length <= 250), 'no page exceeds the batch size');
    const got = pages.flat();
    assert.deepEqual(got.map(row => Number(row.id)), rows.slice(1).map(row => row.id));
    // The SDK surfaces a query's dynamic keys under $meta, as Milvus sends them (one JSON field marked dynamic).
    got.forEach(row => assert.equal(row.$meta?.tag, `t${Number(row.id) % 5}`));
  });

  await t.test('a COSINE search iterator pages the most similar rows first, each once', async () => {
    const query = vectorOf(4242);
    const limit = 500;
    const iterator = await client.searchIterator({
      collection_name: PK_COLLECTION, data: query, batchSize: 120, limit, output_fields: ['id'], consistency_level: 'Strong',
    });
    const hits = (await drain(iterator)).flat();
    const ids = hits.map(hit => Number(hit.id));
    assert.equal(new Set(ids).size, ids.length, 'pages are disjoint');
    const expected = rows.map(row => ({ id: row.id, s: cosine(row.vec, query) })).sort((a, b) => b.s - a.s).slice(0, limit);
    assert.equal(hits.length, limit);
    hits.forEach((hit, i) => {
      assert.ok(Math.abs(hit.score - expected[i].s) < 1e-4, `hit ${i}: score ${hit.score}, expected ${expected[i].s}`);
    });
  });

  await client.dropCollection({ collection_name: PK_COLLECTION });
});
