'use strict';
// Milvus 3.0's composite grouping and search aggregation through the Node SDK. The rows are flushed into one segment
// of one shard (with several, each keeps its own first keys, as in Milvus, and a key's rows in a segment where it ranks
// low are not retained) no larger than the grouping search's first window (keys × rows per key × 2), so the FLAT search
// retains exactly the best rows of the first composite keys and a brute-force oracle rebuilds every bucket: keys,
// counts, metrics, order, top hits and the nested level's buckets.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const { createCollection, indexAndLoad, succeeded, vector, l2 } = require('./collections');

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

const CATEGORIES = ['books', 'toys', 'home'];
const BRANDS = ['A', 'B', 'C', 'D'];
const ROWS = Array.from({ length: 48 }, (_, id) => ({
  id, vec: vector(id), category: CATEGORIES[id % 3], brand: BRANDS[Math.floor(id / 3) % 4], price: (id * 7) % 23 + 0.25, rating: id % 5,
}));

async function loaded() {
  const name = `agg_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await createCollection(client, name, [
    { name: 'category', data_type: DataType.VarChar, max_length: 16 },
    { name: 'brand', data_type: DataType.VarChar, max_length: 16 },
    { name: 'price', data_type: DataType.Double },
    { name: 'rating', data_type: DataType.Int32 },
  ], { shards_num: 1 });
  succeeded(await client.insert({ collection_name: name, data: ROWS }));
  await client.flush({ collection_names: [name] });
  await indexAndLoad(client, name);
  return name;
}

/** The grouping search's rows: the `keys` first (category, brand) keys by their best row, `size` best rows each. */
function retained(query, keys, size) {
  const groups = new Map();
  for (const row of [...ROWS].sort((a, b) => l2(a.vec, query) - l2(b.vec, query))) {
    const key = `${row.category}|${row.brand}`;
    if (!groups.has(key)) {
      if (groups.size === keys) continue;
      groups.set(key, []);
    }
    if (groups.get(key).length < size) groups.get(key).push(row);
  }
  return [...groups.values()].flat();
}

/** Rows bucketed by `field` in the order their first row comes. */
function bucketed(rows, field) {
  const buckets = new Map();
  rows.forEach(row => buckets.set(row[field], [...(buckets.get(row[field]) ?? []), row]));
  return [...buckets.entries()];
}

test('search aggregation buckets the retained hits by category, then brand, as an oracle does', async () => {
  const name = await loaded();
  const query = vector(100);
  const result = succeeded(await client.search({
    collection_name: name, data: [query], anns_field: 'vec', output_fields: ['price'],
    search_aggregation: {
      fields: ['category'], size: 2,
      metrics: { avg_price: { op: 'avg', field_name: 'price' }, n: { op: 'count', field_name: '*' } },
      order: [{ key: '_count', direction: 'desc' }, { key: '_key', direction: 'asc' }],
      top_hits: { size: 3, sort: [{ field_name: 'price', direction: 'asc' }] },
      sub_aggregation: {
        fields: ['brand'], size: 4,
        metrics: { best: { op: 'min', field_name: '_score' }, stars: { op: 'sum', field_name: 'rating' } },
        order: [{ key: 'best', direction: 'asc' }],
      },
    },
  }));
  assert.deepEqual(result.results, []);

  // topK = 2 × 4 keys of (category, brand), three rows each (the only top hits' size).
  const categories = bucketed(retained(query, 8, 3), 'category')
    .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, 2);
  // With one query the SDK gives its buckets directly.
  const buckets = result.agg_buckets;
  assert.equal(buckets.length, categories.length);
  categories.forEach(([category, rows], b) => {
    const bucket = buckets[b];
    assert.deepEqual(bucket.key.map(k => [k.field_name, k.value]), [['category', category]]);
    assert.equal(Number(bucket.count), rows.length);
    assert.equal(Number(bucket.metrics.n), rows.length);
    assert.ok(Math.abs(bucket.metrics.avg_price - rows.reduce((s, r) => s + r.price, 0) / rows.length) < 1e-9);
    const cheapest = [...rows].sort((x, y) => x.price - y.price || l2(x.vec, query) - l2(y.vec, query)).slice(0, 3);
    assert.deepEqual(bucket.hits.map(h => Number(h.id)), cheapest.map(r => r.id));
    assert.deepEqual(bucket.hits.map(h => h.price), cheapest.map(r => r.price));

    const brands = bucketed(rows, 'brand')
      .map(([brand, members]) => [brand, members, Math.min(...members.map(r => l2(r.vec, query)))])
      .sort((x, y) => x[2] - y[2])
      .slice(0, 4);
    assert.deepEqual(bucket.sub_groups.map(s => s.key[0].value), brands.map(([brand]) => brand));
    bucket.sub_groups.forEach((sub, s) => {
      const [, members, best] = brands[s];
      assert.equal(Number(sub.count), members.length);
      assert.equal(Number(sub.metrics.stars), members.reduce((sum, r) => sum + r.rating, 0));
      assert.ok(Math.abs(sub.metrics.best - best) < 1e-4);
      assert.deepEqual(sub.hits, []);
    });
  });

  // Milvus's refusals come back as errors, not as buckets of something else.
  const refused = await client.search({
    collection_name: name, data: [query], anns_field: 'vec',
    search_aggregation: { fields: ['price'], size: 2 },
  });
  assert.notEqual(refused.status.error_code, 'Success');
  assert.match(refused.status.reason, /FLOAT \/ DOUBLE/);
  await client.dropCollection({ collection_name: name });
});

test('group_by_fields groups hits by a composite key and returns each hit\'s key values', async () => {
  const name = await loaded();
  const query = vector(7);
  const result = succeeded(await client.search({
    collection_name: name, data: [query], anns_field: 'vec', limit: 4, output_fields: ['category', 'brand'],
    params: { group_by_fields: 'category,brand', group_size: 2, strict_group_size: true },
  }));
  const expected = retained(query, 4, 2);
  assert.deepEqual(result.results.map(hit => Number(hit.id)), expected.map(r => r.id));
  result.results.forEach((hit, i) => {
    assert.deepEqual(hit.group_by_field_values, { category: expected[i].category, brand: expected[i].brand });
  });
  await client.dropCollection({ collection_name: name });
});
