'use strict';
// Milvus's RESTful API through the Node SDK's HttpClient, on the same port as its gRPC client: what one API writes, the
// other reads. Expectations are computed from the rows written here.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, HttpClient, ErrorCode } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');

let grpc;
let http;
serverWithClient(MilvusClient, (connected, server) => {
  grpc = connected;
  http = new HttpClient({ endpoint: `http://${server.address}` });
});

const vectorOf = id => [id, id % 7, 1, -id / 10];

test('a collection made through REST is written and searched through both APIs', async () => {
  const name = 'rest_mixed';
  assert.equal((await http.createCollection({ collectionName: name, dimension: 4, metricType: 'L2' })).code, 0);
  const described = await grpc.describeCollection({ collection_name: name });
  assert.equal(described.status.error_code, ErrorCode.SUCCESS, described.status.reason);
  assert.deepEqual(described.schema.fields.map(f => f.name), ['id', 'vector']);

  // Rows through REST, with a dynamic key; more rows through gRPC.
  const restRows = Array.from({ length: 30 }, (_, i) => ({ id: i, vector: vectorOf(i), bucket: i % 3 }));
  const inserted = await http.insert({ collectionName: name, data: restRows });
  assert.equal(inserted.code, 0, inserted.message);
  assert.equal(inserted.data.insertCount, 30);
  const grpcRows = Array.from({ length: 10 }, (_, i) => ({ id: 100 + i, vector: vectorOf(100 + i), bucket: 5 }));
  const grpcInsert = await grpc.insert({ collection_name: name, data: grpcRows });
  assert.equal(grpcInsert.status.error_code, ErrorCode.SUCCESS, grpcInsert.status.reason);

  // The SDK asks for int64 as strings: keys come back as strings, dynamic keys as written.
  const queried = await http.query({ collectionName: name, filter: 'bucket == 1', outputFields: ['id', 'bucket'], consistencyLevel: 'Strong' });
  assert.equal(queried.code, 0, queried.message);
  assert.deepEqual(queried.data.map(r => Number(r.id)).sort((a, b) => a - b), restRows.filter(r => r.bucket === 1).map(r => r.id));
  assert.ok(queried.data.every(r => typeof r.id === 'string' && r.bucket === 1));
  const grpcCount = await grpc.query({ collection_name: name, filter: 'bucket == 5', output_fields: ['count(*)'], consistency_level: 'Strong' });
  assert.equal(Number(grpcCount.data[0]['count(*)']), 10);

  // A search through REST ranks as the exact L2 distances over every row, whichever API wrote it.
  const query = [3.2, 3, 1, -0.3];
  const all = [...restRows, ...grpcRows];
  const l2 = v => v.reduce((sum, x, i) => sum + (x - query[i]) ** 2, 0);
  const expected = all.map(r => ({ id: r.id, d: l2(r.vector) })).sort((a, b) => a.d - b.d).slice(0, 5);
  const searched = await http.search({ collectionName: name, data: [query], limit: 5, outputFields: ['bucket'], consistencyLevel: 'Strong' });
  assert.equal(searched.code, 0, searched.message);
  assert.deepEqual(searched.data.map(h => Number(h.id)), expected.map(e => e.id));
  searched.data.forEach((hit, i) => assert.ok(Math.abs(hit.distance - expected[i].d) < 1e-3, `${hit.distance} vs ${expected[i].d}`));

  // Two queries: the SDK splits the flat hits by topks.
  const twice = await http.search({ collectionName: name, data: [query, vectorOf(101)], limit: 3, consistencyLevel: 'Strong' });
  assert.equal(twice.data.length, 2);
  assert.equal(Number(twice.data[1][0].id), 101);

  const deleted = await http.delete({ collectionName: name, filter: 'id >= 100' });
  assert.equal(deleted.code, 0, deleted.message);
  const remaining = await grpc.query({ collection_name: name, filter: '', output_fields: ['count(*)'], consistency_level: 'Strong' });
  assert.equal(Number(remaining.data[0]['count(*)']), 30);
});

test('REST failures carry Milvus codes', async () => {
  const missing = await http.describeCollection({ collectionName: 'rest_no_such_collection' });
  assert.equal(missing.code, 100);
  assert.match(missing.message, /collection not found/);
  const bad = await http.createCollection({ collectionName: 'rest_bad_dim' });
  assert.equal(bad.code, 1802);
});
