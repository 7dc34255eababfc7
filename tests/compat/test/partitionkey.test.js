'use strict';
// Partition-key collections through the Node SDK: a filter that pins the key (key == v, key in [..]) searches only the
// partitions (hash buckets) of those values, with the same hits as brute force; all_search_count (rows in the segments
// searched) shows the pruning. partitionkey.isolation is checked, echoed and enforced on search filters.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, ErrorCode } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const { DIM, vector, l2, createLoaded } = require('./collections');

const TENANTS = 10;
const ROWS = 400;
const tenantOf = id => `t${id % TENANTS}`;

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

async function createTenants(name, properties = {}) {
  await createLoaded(client, name, [{ name: 'tenant', data_type: DataType.VarChar, max_length: 16, is_partition_key: true }],
    { num_partitions: 8, properties });
  const rows = Array.from({ length: ROWS }, (_, id) => ({ id, vec: vector(id), tenant: tenantOf(id) }));
  // Half the rows in sealed segments, half in growing ones: pruning must hold for both.
  for (const half of [rows.slice(0, ROWS / 2), rows.slice(ROWS / 2)]) {
    const inserted = await client.insert({ collection_name: name, data: half });
    assert.equal(inserted.status.error_code, ErrorCode.SUCCESS, inserted.status.reason);
    if (half[0].id === 0) await client.flushSync({ collection_names: [name] });
  }
}

function bruteForce(query, tenants, limit) {
  return Array.from({ length: ROWS }, (_, id) => id)
    .filter(id => tenants.includes(tenantOf(id)))
    .sort((a, b) => l2(query, vector(a)) - l2(query, vector(b)) || a - b)
    .slice(0, limit);
}

test('a filter on the partition key searches fewer rows and finds what brute force finds', async () => {
  const name = 'pk_pruning';
  await createTenants(name);
  const query = vector(7);
  const search = filter => client.search({ collection_name: name, data: [query], filter, limit: 15, output_fields: ['tenant'] });

  const unpruned = await search('id >= 0');
  assert.equal(unpruned.status.error_code, ErrorCode.SUCCESS, unpruned.status.reason);
  assert.equal(Number(unpruned.all_search_count), ROWS);

  // Each pinning filter next to one that selects the same rows without pinning the key (like is not pruned).
  for (const [filter, tenants, unpinned] of [
    ['tenant == "t3"', ['t3'], 'tenant like "t3"'],
    ['tenant in ["t1", "t6"]', ['t1', 't6'], 'tenant like "t1" or tenant like "t6"'],
    ['id >= 0 and tenant == "t5"', ['t5'], 'id >= 0 and tenant like "t5"'],
    ['tenant == "t2" or tenant == "t9"', ['t2', 't9'], 'tenant like "t2" or tenant like "t9"'],
  ]) {
    const pruned = await search(filter);
    assert.equal(pruned.status.error_code, ErrorCode.SUCCESS, pruned.status.reason);
    const ids = pruned.results.map(hit => Number(hit.id));
    assert.deepEqual(ids, bruteForce(query, tenants, 15), filter);
    const matching = bruteForce(query, tenants, ROWS).length;
    const searched = Number(pruned.all_search_count);
    assert.ok(searched >= matching && searched < ROWS, `${filter}: searched ${searched} rows, ${matching} match, ${ROWS} in all`);

    const full = await search(unpinned);
    assert.equal(full.status.error_code, ErrorCode.SUCCESS, full.status.reason);
    assert.deepEqual(full.results.map(hit => Number(hit.id)), ids, unpinned);
    assert.equal(Number(full.all_search_count), ROWS, unpinned);
  }

  const queried = await client.query({ collection_name: name, filter: 'tenant in ["t4"]', output_fields: ['id'] });
  assert.deepEqual(queried.data.map(r => Number(r.id)).sort((a, b) => a - b), bruteForce(query, ['t4'], ROWS).sort((a, b) => a - b));
});

test('partition key isolation is echoed and makes every search pin one key value', async () => {
  const name = 'pk_isolated';
  await createTenants(name, { 'partitionkey.isolation': true });
  const described = await client.describeCollection({ collection_name: name });
  assert.deepEqual(described.properties.filter(p => p.key === 'partitionkey.isolation').map(p => p.value), ['true']);

  const query = vector(11);
  const one = await client.search({ collection_name: name, data: [query], filter: 'tenant == "t1"', limit: 5 });
  assert.equal(one.status.error_code, ErrorCode.SUCCESS, one.status.reason);
  assert.deepEqual(one.results.map(hit => Number(hit.id)), bruteForce(query, ['t1'], 5));

  const unfiltered = await client.search({ collection_name: name, data: [query], limit: 5 });
  assert.equal(unfiltered.status.error_code, ErrorCode.IllegalArgument);
  assert.match(unfiltered.status.reason, /partition key not found in expr/);
  const two = await client.search({ collection_name: name, data: [query], filter: 'tenant in ["t1", "t2"]', limit: 5 });
  assert.equal(two.status.error_code, ErrorCode.IllegalArgument);
  assert.match(two.status.reason, /multiple partition key/);

  const loaded = await client.alterCollectionProperties({ collection_name: name, properties: { 'partitionkey.isolation': false } });
  assert.notEqual(loaded.error_code, ErrorCode.SUCCESS);
  assert.match(loaded.reason, /partition key isolation mode if the collection already loaded/);

  // The SDK throws the refused create's status.
  await assert.rejects(client.createCollection({
    collection_name: 'pk_isolated_without_key',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
    ],
    properties: { 'partitionkey.isolation': true },
  }), status => status.error_code === ErrorCode.IllegalArgument && /no partition key field/.test(status.reason));
});
