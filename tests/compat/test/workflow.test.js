'use strict';
// A realistic workflow through the official Milvus Node SDK against Milvus.Akka, with real assertions.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, RRFRanker, WeightedRanker, ErrorCode } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');

const DIM = 8;
const ROWS = 200;
const COLLECTION = 'compat_workflow';

// Seeded RNG (mulberry32) so every run inserts the same vectors.
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(42);
const vectors = Array.from({ length: ROWS + 100 }, () => Array.from({ length: DIM }, () => random() * 2 - 1));
const l2 = (a, b) => a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0);

function row(id) {
  return {
    id,
    vec: vectors[id],
    tag: `tag_${id % 5}`,
    rating: id % 4 === 0 ? null : id / 10,
    nums: [id, id + 1],
    doc: { n: id, even: id % 2 === 0 },
    color: id % 2 === 0 ? 'red' : 'blue',
  };
}

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

function assertError(status, errorCode, code) {
  assert.equal(status.error_code, errorCode, `expected ${errorCode}, got ${JSON.stringify(status)}`);
  assert.equal(status.code, code);
  assert.ok(status.reason.length > 0, 'the reason names the problem');
}

test('handshake, version and health', async () => {
  const version = await client.getVersion();
  assert.match(version.version, /^v2\.6\.\d+$/);
  const health = await client.checkHealth();
  assert.equal(health.isHealthy, true);
});

test('databases', async () => {
  assert.equal((await client.createDatabase({ db_name: 'compat_db' })).error_code, 'Success');
  const list = await client.listDatabases();
  assert.ok(list.db_names.includes('compat_db') && list.db_names.includes('default'));
  const described = await client.describeDatabase({ db_name: 'compat_db' });
  assert.equal(described.db_name, 'compat_db');
  assert.equal((await client.dropDatabase({ db_name: 'compat_db' })).error_code, 'Success');
  assert.ok(!(await client.listDatabases()).db_names.includes('compat_db'));
});

test('collection workflow', async (t) => {
  const created = await client.createCollection({
    collection_name: COLLECTION,
    enable_dynamic_field: true,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      { name: 'tag', data_type: DataType.VarChar, max_length: 32 },
      { name: 'rating', data_type: DataType.Double, nullable: true },
      { name: 'nums', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 4 },
      { name: 'doc', data_type: DataType.JSON },
    ],
  });
  assert.equal(created.error_code, 'Success', created.reason);
  assert.equal((await client.hasCollection({ collection_name: COLLECTION })).value, true);
  const described = await client.describeCollection({ collection_name: COLLECTION });
  assert.deepEqual(described.schema.fields.map(f => f.name).slice(0, 6), ['id', 'vec', 'tag', 'rating', 'nums', 'doc']);
  assert.equal(described.schema.fields[0].fieldID, '100');
  assert.ok((await client.showCollections()).data.some(c => c.name === COLLECTION));

  const index = await client.createIndex({ collection_name: COLLECTION, field_name: 'vec', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } });
  assert.equal(index.error_code, 'Success', index.reason);
  const indexes = await client.describeIndex({ collection_name: COLLECTION, field_name: 'vec' });
  assert.equal(indexes.index_descriptions[0].index_name, 'vec');

  const inserted = await client.insert({ collection_name: COLLECTION, data: Array.from({ length: ROWS }, (_, i) => row(i)) });
  assert.equal(inserted.status.error_code, 'Success', inserted.status.reason);
  assert.equal(Number(inserted.insert_cnt), ROWS);
  assert.deepEqual(inserted.IDs.int_id.data.map(Number), Array.from({ length: ROWS }, (_, i) => i));

  const loaded = await client.loadCollectionSync({ collection_name: COLLECTION });
  assert.equal(loaded.error_code, 'Success', loaded.reason);
  assert.equal((await client.getLoadState({ collection_name: COLLECTION })).state, 'LoadStateLoaded');

  await t.test('search finds the inserted vector first', async () => {
    const result = await client.search({ collection_name: COLLECTION, data: [vectors[7], vectors[42]], limit: 5, output_fields: ['id', 'tag', 'color'], consistency_level: 'Strong' });
    assert.equal(result.status.error_code, 'Success', result.status.reason);
    assert.equal(result.results.length, 2);
    assert.equal(Number(result.results[0][0].id), 7);
    assert.equal(Number(result.results[1][0].id), 42);
    assert.equal(result.results[0][0].tag, 'tag_2');
    assert.equal(result.results[0][0].color, 'blue');
    // L2 scores are squared distances, ascending; they match an independent computation.
    const expected = Array.from({ length: ROWS }, (_, i) => ({ i, d: l2(vectors[i], vectors[42]) })).sort((a, b) => a.d - b.d).slice(0, 5);
    assert.deepEqual(result.results[1].map(h => Number(h.id)), expected.map(e => e.i));
    result.results[1].forEach((h, k) => assert.ok(Math.abs(h.score - expected[k].d) < 1e-4));
  });

  await t.test('filtered search and range search', async () => {
    const filtered = await client.search({ collection_name: COLLECTION, data: vectors[7], limit: 10, filter: 'tag == "tag_0" and color == "red"', output_fields: ['*'], consistency_level: 'Strong' });
    assert.ok(filtered.results.length > 0);
    for (const hit of filtered.results) {
      assert.equal(hit.tag, 'tag_0');
      assert.equal(Number(hit.id) % 10, 0);
    }
    const radius = 2.0;
    const ranged = await client.search({ collection_name: COLLECTION, data: vectors[7], limit: 50, params: { radius, range_filter: 0.5 }, consistency_level: 'Strong' });
    const inRange = Array.from({ length: ROWS }, (_, i) => l2(vectors[i], vectors[7])).filter(d => d >= 0.5 && d < radius).length;
    assert.equal(ranged.results.length, Math.min(50, inRange));
    for (const hit of ranged.results) assert.ok(hit.score >= 0.5 - 1e-5 && hit.score < radius, JSON.stringify(ranged.results));
  });

  await t.test('query, count and nullable/array/json fields', async () => {
    const count = await client.count({ collection_name: COLLECTION });
    assert.equal(Number(count.data), ROWS);
    const rows = await client.query({ collection_name: COLLECTION, filter: 'id in [4, 5]', output_fields: ['id', 'rating', 'nums', 'doc', 'color'], consistency_level: 'Strong' });
    assert.equal(rows.data.length, 2);
    assert.equal(Number(rows.data[0].id), 4);
    assert.equal(rows.data[0].rating, null);
    assert.equal(rows.data[1].rating, 0.5);
    assert.deepEqual(rows.data[1].nums.map(Number), [5, 6]);
    assert.deepEqual(rows.data[1].doc, { n: 5, even: false });
    const page = await client.query({ collection_name: COLLECTION, filter: 'id >= 0', limit: 5, offset: 10, output_fields: ['id'], consistency_level: 'Strong' });
    assert.deepEqual(page.data.map(r => Number(r.id)), [10, 11, 12, 13, 14]);
    const json = await client.query({ collection_name: COLLECTION, filter: 'doc["n"] < 3 and array_contains(nums, 2)', output_fields: ['id'], consistency_level: 'Strong' });
    assert.deepEqual(json.data.map(r => Number(r.id)), [1, 2]);
  });

  await t.test('search iterator pages are disjoint and together complete', async () => {
    const limit = 90;
    const expected = (await client.search({ collection_name: COLLECTION, data: vectors[7], limit, output_fields: ['id'], consistency_level: 'Strong' }))
      .results.map(h => String(h.id));
    const iterator = await client.searchIterator({ collection_name: COLLECTION, data: vectors[7], batchSize: 30, limit, output_fields: ['id'], consistency_level: 'Strong' });
    const pages = [];
    for await (const page of iterator) pages.push(page.map(h => String(h.id)));
    assert.ok(pages.length >= 3, `expected at least 3 pages, got ${pages.length}`);
    const seen = pages.flat();
    assert.equal(new Set(seen).size, seen.length, 'pages are disjoint');
    assert.deepEqual(seen, expected);
  });

  await t.test('deleted rows vanish, upserted rows are replaced', async () => {
    const deleted = await client.delete({ collection_name: COLLECTION, ids: [1, 2, 3] });
    assert.equal(deleted.status.error_code, 'Success', deleted.status.reason);
    assert.equal(Number(deleted.delete_cnt), 3);
    const gone = await client.query({ collection_name: COLLECTION, filter: 'id in [1, 2, 3]', output_fields: ['id'], consistency_level: 'Strong' });
    assert.equal(gone.data.length, 0);
    const byExpr = await client.deleteEntities({ collection_name: COLLECTION, filter: 'id in [190, 191]' });
    assert.equal(byExpr.status.error_code, 'Success', byExpr.status.reason);
    assert.equal(Number((await client.count({ collection_name: COLLECTION, consistency_level: 'Strong' })).data), ROWS - 5);

    const upserted = await client.upsert({ collection_name: COLLECTION, data: [{ ...row(10), tag: 'replaced' }] });
    assert.equal(upserted.status.error_code, 'Success', upserted.status.reason);
    const replaced = await client.query({ collection_name: COLLECTION, filter: 'id == 10', output_fields: ['tag'], consistency_level: 'Strong' });
    assert.deepEqual(replaced.data.map(r => r.tag), ['replaced']);
  });

  await t.test('hybrid search ranks follow RRF', async () => {
    const limit = 10;
    const single = async v => (await client.search({ collection_name: COLLECTION, data: v, limit, consistency_level: 'Strong' })).results.map(h => String(h.id));
    const a = await single(vectors[20]);
    const b = await single(vectors[21]);
    const fused = new Map();
    for (const list of [a, b]) list.forEach((id, rank) => fused.set(id, (fused.get(id) || 0) + 1 / (60 + rank + 1)));
    const expected = [...fused.entries()].sort((x, y) => y[1] - x[1] || Number(x[0]) - Number(y[0])).slice(0, limit);
    const hybrid = await client.hybridSearch({
      collection_name: COLLECTION,
      data: [{ data: vectors[20], anns_field: 'vec' }, { data: vectors[21], anns_field: 'vec' }],
      rerank: RRFRanker(60),
      limit,
      output_fields: ['id'],
      consistency_level: 'Strong',
    });
    assert.equal(hybrid.status.error_code, 'Success', hybrid.status.reason);
    assert.deepEqual(hybrid.results.map(h => String(h.id)), expected.map(e => e[0]));
    hybrid.results.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i][1]) < 1e-6));
  });

  await t.test('hybrid search with weights fuses normalised scores', async () => {
    const limit = 10;
    const weights = [0.7, 0.3];
    const single = async v => (await client.search({ collection_name: COLLECTION, data: v, limit, consistency_level: 'Strong' })).results;
    const lists = [await single(vectors[30]), await single(vectors[31])];
    // L2 distances are normalised as Milvus does: 1 - 2·atan(d)/π, so closer is larger, in [0, 1].
    const fused = new Map();
    lists.forEach((list, i) => list.forEach(h => fused.set(String(h.id), (fused.get(String(h.id)) || 0) + weights[i] * (1 - 2 * Math.atan(h.score) / Math.PI))));
    const expected = [...fused.entries()].sort((x, y) => y[1] - x[1] || Number(x[0]) - Number(y[0])).slice(0, limit);
    const hybrid = await client.hybridSearch({
      collection_name: COLLECTION,
      data: [{ data: vectors[30], anns_field: 'vec' }, { data: vectors[31], anns_field: 'vec' }],
      rerank: WeightedRanker(weights),
      limit,
      output_fields: ['id'],
      consistency_level: 'Strong',
    });
    assert.equal(hybrid.status.error_code, 'Success', hybrid.status.reason);
    assert.deepEqual(hybrid.results.map(h => String(h.id)), expected.map(e => e[0]));
    hybrid.results.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i][1]) < 1e-5, `score ${h.score} vs ${expected[i][1]}`));
  });

  await t.test('partition-scoped search sees only its partition', async () => {
    assert.equal((await client.createPartition({ collection_name: COLLECTION, partition_name: 'p1' })).error_code, 'Success');
    assert.equal((await client.hasPartition({ collection_name: COLLECTION, partition_name: 'p1' })).value, true);
    const ids = Array.from({ length: 20 }, (_, i) => 1000 + i);
    const res = await client.insert({ collection_name: COLLECTION, partition_name: 'p1', data: ids.map(id => ({ ...row(id - 1000 + ROWS), id })) });
    assert.equal(res.status.error_code, 'Success', res.status.reason);
    const hits = await client.search({ collection_name: COLLECTION, partition_names: ['p1'], data: vectors[7], limit: 30, output_fields: ['id'], consistency_level: 'Strong' });
    assert.equal(hits.results.length, 20);
    for (const hit of hits.results) assert.ok(Number(hit.id) >= 1000);
    const partitions = await client.showPartitions({ collection_name: COLLECTION });
    assert.deepEqual(partitions.partition_names, ['_default', 'p1']);
    const stats = await client.getPartitionStatistics({ collection_name: COLLECTION, partition_name: 'p1' });
    assert.equal(stats.data.row_count, '20');
  });

  await t.test('an alias resolves everywhere a name does', async () => {
    assert.equal((await client.createAlias({ collection_name: COLLECTION, alias: 'compat_alias' })).error_code, 'Success');
    const alias = await client.describeAlias({ collection_name: COLLECTION, alias: 'compat_alias' });
    assert.equal(alias.collection, COLLECTION);
    assert.deepEqual((await client.listAliases({ collection_name: COLLECTION })).aliases, ['compat_alias']);
    const viaAlias = await client.search({ collection_name: 'compat_alias', data: vectors[42], limit: 1, output_fields: ['id'], consistency_level: 'Strong' });
    assert.equal(Number(viaAlias.results[0].id), 42);
    const count = await client.count({ collection_name: 'compat_alias', consistency_level: 'Strong' });
    assert.equal(Number(count.data), ROWS - 5 + 20);
    assert.equal((await client.dropAlias({ alias: 'compat_alias' })).error_code, 'Success');
  });

  await t.test('flush and statistics', async () => {
    const flushed = await client.flushSync({ collection_names: [COLLECTION] });
    assert.equal(flushed.status.error_code, 'Success', flushed.status.reason);
    const stats = await client.getCollectionStatistics({ collection_name: COLLECTION });
    assert.equal(stats.data.row_count, String(ROWS + 20 + 1), 'as in Milvus, deleted and upserted-over rows count until compaction');
  });

  await t.test('compaction, segment information, replicas and metrics', async () => {
    const persisted = await client.getPersistentSegmentInfo({ collectionName: COLLECTION });
    assert.equal(persisted.status.error_code, 'Success', persisted.status.reason);
    assert.equal(persisted.infos.reduce((sum, s) => sum + Number(s.num_rows), 0), ROWS + 20 + 1, 'every insert and the upsert, deletes included');
    const served = await client.getQuerySegmentInfo({ collectionName: COLLECTION });
    assert.equal(served.status.error_code, 'Success', served.status.reason);
    for (const segment of served.infos) assert.ok(Number(segment.nodeID) !== 0 && segment.index_name === 'vec');

    const described = await client.describeCollection({ collection_name: COLLECTION });
    const replicas = await client.getReplicas({ collectionID: described.collectionID });
    assert.equal(replicas.status.error_code, 'Success', replicas.status.reason);
    assert.deepEqual(replicas.replicas[0].shard_replicas.map(s => s.dm_channel_name).sort(), [...described.virtual_channel_names].sort());

    const compaction = await client.compact({ collection_name: COLLECTION });
    assert.equal(compaction.status.error_code, 'Success', compaction.status.reason);
    assert.ok(Number(compaction.compactionID) > 0);
    let state;
    do {
      state = await client.getCompactionState({ compactionID: compaction.compactionID });
      assert.equal(state.status.error_code, 'Success', state.status.reason);
    } while (state.state !== 'Completed' && await new Promise(resolve => setTimeout(() => resolve(true), 100)));
    assert.equal(Number(state.completedPlanNo), compaction.compactionPlanCount);
    const plans = await client.getCompactionStateWithPlans({ compactionID: compaction.compactionID });
    assert.equal(plans.mergeInfos.length, compaction.compactionPlanCount);
    assert.equal(Number((await client.count({ collection_name: COLLECTION, consistency_level: 'Strong' })).data), ROWS - 5 + 20);
    // Query aggregation over the compacted segments: one row per tag, counts as count(*) counts them.
    const groups = await client.query({ collection_name: COLLECTION, output_fields: ['tag', 'count(*)', 'max(id)'], group_by_fields: ['tag'], consistency_level: 'Strong' });
    assert.equal(groups.status.error_code, 'Success', groups.status.reason);
    assert.equal(groups.data.reduce((sum, g) => sum + Number(g['count(*)']), 0), ROWS - 5 + 20);
    for (const group of groups.data) {
      const filter = `tag == "${group.tag}"`;
      assert.equal(Number(group['count(*)']), Number((await client.count({ collection_name: COLLECTION, filter, consistency_level: 'Strong' })).data));
      const top = await client.query({ collection_name: COLLECTION, filter, output_fields: ['id'], order_by_fields: [{ field: 'id', order: 'desc' }], limit: 1, consistency_level: 'Strong' });
      assert.equal(Number(group['max(id)']), Number(top.data[0].id));
    }
    // The statistics drop the deleted rows once the compacted segments are served.
    let rows;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise(resolve => setTimeout(resolve, 200))) {
      rows = Number((await client.getCollectionStatistics({ collection_name: COLLECTION })).data.row_count);
      if (rows === ROWS - 5 + 20) break;
    }
    assert.equal(rows, ROWS - 5 + 20);

    const metrics = await client.getMetric({ request: { metric_type: 'system_info' } });
    assert.equal(metrics.status.error_code, 'Success', metrics.status.reason);
    assert.ok(metrics.response.nodes_info.some(n => n.infos.type === 'querynode'));
  });

  await t.test('index properties cannot change while the collection is loaded', async () => {
    const refused = await client.alterIndexProperties({ collection_name: COLLECTION, index_name: 'vec', params: { 'mmap.enabled': true } });
    assertError(refused, 'UnexpectedError', 104);
    assert.match(refused.reason, /please release the collection first/);
  });

  await t.test('errors carry their codes', async () => {
    const missing = await client.describeCollection({ collection_name: 'no_such_collection' });
    assertError(missing.status, 'CollectionNotExists', 100);
    const badDim = await client.search({ collection_name: COLLECTION, data: [1, 2, 3], limit: 1, consistency_level: 'Strong' });
    assertError(badDim.status, 'IllegalArgument', 1100);
    const badTopk = await client.search({ collection_name: COLLECTION, data: vectors[1], limit: 16385, consistency_level: 'Strong' });
    assertError(badTopk.status, 'IllegalArgument', 1100);
    const unsupported = await client.refreshExternalCollection({ collection_name: COLLECTION, external_source: 's3://bucket/data' });
    assert.notEqual(unsupported.status.error_code, 'Success');
    assert.match(unsupported.status.reason, /not supported/);
  });

  const released = await client.releaseCollection({ collection_name: COLLECTION });
  assert.equal(released.error_code, 'Success', released.reason);
  assert.equal((await client.getLoadState({ collection_name: COLLECTION })).state, 'LoadStateNotLoad');

  await t.test('index, collection and field properties are kept and echoed', async () => {
    const pairs = list => Object.fromEntries(list.map(p => [p.key, p.value]));
    const indexParams = async () =>
      pairs((await client.describeIndex({ collection_name: COLLECTION, index_name: 'vec' })).index_descriptions[0].params);
    const index = { collection_name: COLLECTION, index_name: 'vec' };

    assert.equal((await client.alterIndexProperties({ ...index, params: { 'mmap.enabled': true } })).error_code, 'Success');
    const altered = await indexParams();
    assert.equal(altered['mmap.enabled'], 'true');
    assert.equal(altered.index_type, 'HNSW');
    assert.deepEqual(JSON.parse(altered.params), { M: 8, efConstruction: 64 });
    assertError(await client.alterIndexProperties({ ...index, params: { M: 16 } }), 'IllegalArgument', 1100);
    assert.equal((await client.dropIndexProperties({ ...index, properties: ['mmap.enabled'] })).error_code, 'Success');
    assert.equal((await indexParams())['mmap.enabled'], undefined);

    // The collection already has its dynamic field: enabling it again changes nothing and is not listed as a property.
    const ttl = await client.alterCollectionProperties({
      collection_name: COLLECTION,
      properties: { 'collection.ttl.seconds': 600, 'mmap.enabled': false, 'dynamicfield.enabled': true },
    });
    assert.equal(ttl.error_code, 'Success', ttl.reason);
    assert.equal((await client.dropCollectionProperties({ collection_name: COLLECTION, properties: ['mmap.enabled'] })).error_code, 'Success');
    const collection = await client.describeCollection({ collection_name: COLLECTION });
    assert.equal(pairs(collection.properties)['collection.ttl.seconds'], '600');
    assert.equal(pairs(collection.properties)['mmap.enabled'], undefined);
    assert.equal(pairs(collection.properties)['dynamicfield.enabled'], undefined);
    assert.equal(collection.schema.enable_dynamic_field, true);

    const longer = await client.alterCollectionFieldProperties({ collection_name: COLLECTION, field_name: 'tag', properties: { max_length: 64, 'mmap.enabled': true } });
    assert.equal(longer.error_code, 'Success', longer.reason);
    const tag = (await client.describeCollection({ collection_name: COLLECTION })).schema.fields.find(f => f.name === 'tag');
    assert.equal(pairs(tag.type_params).max_length, '64');
    assert.equal(pairs(tag.type_params)['mmap.enabled'], 'true');
    const inserted = await client.insert({ collection_name: COLLECTION, data: [{ ...row(0), id: 5000, tag: 'x'.repeat(40) }] });
    assert.equal(inserted.status.error_code, 'Success', inserted.status.reason);
  });
  assert.equal((await client.dropCollection({ collection_name: COLLECTION })).error_code, 'Success');
  assert.equal((await client.hasCollection({ collection_name: COLLECTION })).value, false);
});
