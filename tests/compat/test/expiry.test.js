'use strict';
// Collection TTL (collection.ttl.seconds) through the Node SDK: rows older than the TTL at a read's timestamp are
// invisible to search, query and count(*) in sealed and growing segments, the property is checked and echoed, and a
// compaction drops expired rows for good.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, ErrorCode } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const { DIM, vector, l2, createLoaded } = require('./collections');

const TTL_KEY = 'collection.ttl.seconds';
// Hybrid timestamps carry UTC milliseconds above 18 logical bits.
const physicalMs = ts => Number(BigInt(ts) >> 18n);

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

async function waitUntil(what, condition, deadlineMs = 60_000) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

async function insert(name, ids) {
  const result = await client.insert({ collection_name: name, data: ids.map(id => ({ id, vec: vector(id) })) });
  assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
  return physicalMs(result.timestamp);
}

/**
 * Runs a read and checks its ids against the TTL: the read's timestamp lies between the wall clock before and after
 * it, so a row written before (before - ttl) must be missing and one written at or after (after - ttl) must be there;
 * a row whose expiry fell while the read ran may be either.
 */
async function checkTtl(read, writtenAt, ttlMs) {
  const before = Date.now();
  const ids = await read();
  const after = Date.now();
  for (const [id, at] of writtenAt) {
    if (at < before - ttlMs) assert.ok(!ids.has(id), `row ${id} written ${before - at} ms before the read outlived the ${ttlMs} ms TTL`);
    if (at >= after - ttlMs) assert.ok(ids.has(id), `row ${id} written ${after - at} ms before the read is within the ${ttlMs} ms TTL`);
  }
  return ids;
}

test('rows older than the collection TTL are invisible to search, query and count, and compaction purges them', async () => {
  const name = 'expiry_rows';
  await createLoaded(client, name);

  // Old rows in a sealed segment, young rows in a growing one, written 6 s apart; the TTL of 4 s lies between.
  const oldIds = Array.from({ length: 30 }, (_, i) => i);
  const youngIds = Array.from({ length: 30 }, (_, i) => 100 + i);
  const oldAt = await insert(name, oldIds);
  await client.flushSync({ collection_names: [name] });
  const gap = oldAt + 6000 - Date.now();
  if (gap > 0) await new Promise(resolve => setTimeout(resolve, gap)); // lets the old rows age 6 s; nothing to await
  const youngAt = await insert(name, youngIds);
  const writtenAt = new Map([...oldIds.map(id => [id, oldAt]), ...youngIds.map(id => [id, youngAt])]);

  const refused = await client.alterCollectionProperties({ collection_name: name, properties: { [TTL_KEY]: 'soon' } });
  assert.equal(refused.error_code, ErrorCode.IllegalArgument, refused.reason);
  const altered = await client.alterCollectionProperties({ collection_name: name, properties: { [TTL_KEY]: 4 } });
  assert.equal(altered.error_code, ErrorCode.SUCCESS, altered.reason);
  const described = await client.describeCollection({ collection_name: name });
  assert.deepEqual(described.properties.filter(p => p.key === TTL_KEY).map(p => p.value), ['4']);

  const ttlMs = 4000;
  const queried = await checkTtl(async () => {
    const result = await client.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id'] });
    assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
    return new Set(result.data.map(r => Number(r.id)));
  }, writtenAt, ttlMs);
  for (const id of oldIds) assert.ok(!queried.has(id));

  // count(*) counts what the same query returns: never an old row, every young row while the TTL keeps it.
  const before = Date.now();
  const counted = await client.query({ collection_name: name, filter: '', output_fields: ['count(*)'] });
  const count = Number(counted.data[0]['count(*)']);
  assert.ok(count <= youngIds.length, `count(*) ${count} includes expired rows`);
  if (youngAt >= Date.now() - ttlMs) assert.equal(count, youngIds.length);
  assert.ok(before > oldAt + ttlMs);

  // The search oracle: brute force over the rows the read returned must order them exactly, and only live rows come back.
  const query = vector(105);
  await checkTtl(async () => {
    const result = await client.search({ collection_name: name, data: [query], limit: 100, output_fields: ['id'] });
    assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
    const ids = result.results.map(hit => Number(hit.id));
    const expected = [...ids].sort((a, b) => l2(query, vector(a)) - l2(query, vector(b)) || a - b);
    assert.deepEqual(ids, expected);
    return new Set(ids);
  }, writtenAt, ttlMs);

  // Compaction rewrites the sealed segment without its expired rows: dropping the TTL afterwards does not bring them back.
  const compaction = await client.compact({ collection_name: name });
  assert.equal(compaction.status.error_code, ErrorCode.SUCCESS, compaction.status.reason);
  await waitUntil('the compaction to complete', async () =>
    (await client.getCompactionState({ compactionID: compaction.compactionID })).state === 'Completed');
  const dropped = await client.dropCollectionProperties({ collection_name: name, properties: [TTL_KEY] });
  assert.equal(dropped.error_code, ErrorCode.SUCCESS, dropped.reason);
  await waitUntil('the compacted segment to serve reads', async () => {
    const result = await client.query({ collection_name: name, filter: `id < ${youngIds[0]}`, output_fields: ['id'] });
    return result.data.length === 0;
  });
});

test('a TTL that is not a whole number of seconds is refused at create', async () => {
  // The SDK throws the refused create's status.
  await assert.rejects(client.createCollection({
    collection_name: 'expiry_refused',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
    ],
    properties: { [TTL_KEY]: -5 },
  }), status => status.error_code === ErrorCode.IllegalArgument && /collection TTL/.test(status.reason));
});
