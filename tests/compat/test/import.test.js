'use strict';
// Bulk import through the Node SDK (bulkInsert, getImportState, listImportTasks): a JSON file put in the server's object
// storage is imported, tracked to completion and read back; a file with a bad row fails the job with a reason naming
// the row, and none of its rows is written; CSV (with its sep and nullkey options) and NumPy files are imported too.
// Every expectation is computed from the rows written here.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { MilvusClient, DataType, ImportState } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const collections = require('./collections');

const { succeeded, random } = collections;
const DIM = 4;

let client;
let objectsDir;
serverWithClient(MilvusClient, (connected, server) => {
  client = connected;
  objectsDir = server.objectsDir;
});

/** Writes `rows` as a Milvus import JSON file into the server's object storage; returns its key. */
function putFile(key, rows) {
  assert.ok(objectsDir, 'the server\'s object storage directory is not known: set MILVUS_OBJECTS_DIR with MILVUS_ADDRESS');
  fs.mkdirSync(path.join(objectsDir, path.dirname(key)), { recursive: true });
  fs.writeFileSync(path.join(objectsDir, key), JSON.stringify({ rows }));
  return key;
}

async function finished(task) {
  for (let attempt = 0; attempt < 240; attempt++) {
    const state = succeeded(await client.getImportState({ task }));
    if (state.state === ImportState.ImportCompleted || state.state === ImportState.ImportFailed) return state;
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  assert.fail(`import task ${task} did not finish within a minute`);
}

test('a JSON file is imported, tracked and read back; a bad row fails its job before any row is written', async () => {
  const name = `imports_${Date.now()}`;
  succeeded(await client.createCollection({
    collection_name: name,
    enable_dynamic_field: true,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: true },
      { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      { name: 'age', data_type: DataType.Int64 },
      { name: 'tag', data_type: DataType.VarChar, max_length: 16, nullable: true },
    ],
  }));
  succeeded(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }));
  assert.equal(succeeded(await client.listImportTasks({ collection_name: name })).tasks.length, 0);

  const next = random(5);
  const rows = Array.from({ length: 3000 }, (_, i) => ({
    vec: Array.from({ length: DIM }, () => Math.fround(next())),
    age: i,
    ...(i % 2 === 0 ? { tag: `t${i}` } : {}),
    colour: ['red', 'green', 'blue'][i % 3],
  }));
  const good = putFile(`import/${name}/rows.json`, rows);
  const bad = putFile(`import/${name}/bad.json`, [...rows.slice(0, 2000), { vec: [1, 2], age: 1 }]);

  const accepted = succeeded(await client.bulkInsert({ collection_name: name, files: [good] }));
  const state = await finished(accepted.tasks[0]);
  assert.equal(state.state, ImportState.ImportCompleted, JSON.stringify(state.infos));
  assert.equal(Number(state.row_count), rows.length);

  const refused = succeeded(await client.bulkInsert({ collection_name: name, files: [bad] }));
  const failed = await finished(refused.tasks[0]);
  assert.equal(failed.state, ImportState.ImportFailed);
  assert.match(failed.infos.find(i => i.key === 'failed_reason').value, /row 2000, field 'vec': the vector has 2 elements/);

  const listed = succeeded(await client.listImportTasks({ collection_name: name })).tasks;
  assert.deepEqual(listed.map(t => [String(t.id), t.state]),
    [[String(accepted.tasks[0]), 'ImportCompleted'], [String(refused.tasks[0]), 'ImportFailed']]);

  await client.loadCollectionSync({ collection_name: name });
  const count = succeeded(await client.count({ collection_name: name, consistency_level: 'Strong' }));
  assert.equal(Number(count.data), rows.length);
  const picked = succeeded(await client.query({
    collection_name: name, filter: 'age in [0, 1, 2999]', output_fields: ['age', 'tag', 'colour'], consistency_level: 'Strong',
  }));
  const byAge = new Map(picked.data.map(r => [Number(r.age), r]));
  assert.deepEqual([...byAge.keys()].sort((a, b) => a - b), [0, 1, 2999]);
  for (const age of [0, 1, 2999]) {
    assert.equal(byAge.get(age).tag ?? null, rows[age].tag ?? null);
    assert.equal(byAge.get(age).colour ?? byAge.get(age).$meta?.colour, rows[age].colour);
  }
  succeeded(await client.dropCollection({ collection_name: name }));
});

/** Writes `bytes` (a string or a Buffer) into the server's object storage as it is; returns its key. */
function putRaw(key, bytes) {
  assert.ok(objectsDir, 'the server\'s object storage directory is not known: set MILVUS_OBJECTS_DIR with MILVUS_ADDRESS');
  fs.mkdirSync(path.join(objectsDir, path.dirname(key)), { recursive: true });
  fs.writeFileSync(path.join(objectsDir, key), bytes);
  return key;
}

/** A .npy file (format 1.0, C order) as numpy.save writes one: `descr` such as '<i8', `shape` such as [n] or [n, dim]. */
function npy(descr, shape, data) {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.writeUInt8(0x93, 0);
  prefix.write('NUMPY', 1, 'latin1');
  prefix.writeUInt8(1, 6);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

test('CSV files (with sep and nullkey options) and NumPy files (one per field) are imported as Milvus reads them', async () => {
  const name = `imports_formats_${Date.now()}`;
  succeeded(await client.createCollection({
    collection_name: name,
    enable_dynamic_field: true,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      { name: 'tag', data_type: DataType.VarChar, max_length: 16, nullable: true },
    ],
  }));
  succeeded(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }));
  const vector = i => Array.from({ length: DIM }, (_, d) => i + d / 4);

  // CSV: ids 0..999, a quoted tag with the separator in it on even ids, NULL on odd ones, colour a dynamic key.
  const lines = Array.from({ length: 1000 }, (_, i) =>
    [i, `"[${vector(i).join(',')}]"`, i % 2 === 0 ? `"t;${i}"` : 'NULL', `c${i % 3}`].join(';'));
  const csv = putRaw(`import/${name}/rows.csv`, ['id;vec;tag;colour', ...lines].join('\n'));
  const fromCsv = succeeded(await client.bulkInsert({
    collection_name: name, files: [csv], options: [{ key: 'sep', value: ';' }, { key: 'nullkey', value: 'NULL' }],
  }));
  const csvState = await finished(fromCsv.tasks[0]);
  assert.equal(csvState.state, ImportState.ImportCompleted, JSON.stringify(csvState.infos));

  // NumPy: ids 1000..1499, their vectors; no tag file, so every tag is null.
  const ids = BigInt64Array.from({ length: 500 }, (_, i) => BigInt(1000 + i));
  const vectors = Float32Array.from({ length: 500 * DIM }, (_, k) => vector(1000 + Math.floor(k / DIM))[k % DIM]);
  const numpy = [
    putRaw(`import/${name}/npy/id.npy`, npy('<i8', [500], ids)),
    putRaw(`import/${name}/npy/vec.npy`, npy('<f4', [500, DIM], vectors)),
  ];
  const fromNumpy = succeeded(await client.bulkInsert({ collection_name: name, files: numpy }));
  const numpyState = await finished(fromNumpy.tasks[0]);
  assert.equal(numpyState.state, ImportState.ImportCompleted, JSON.stringify(numpyState.infos));
  assert.equal(Number(numpyState.row_count), 500);

  await client.loadCollectionSync({ collection_name: name });
  assert.equal(Number(succeeded(await client.count({ collection_name: name, consistency_level: 'Strong' })).data), 1500);
  const picked = succeeded(await client.query({
    collection_name: name, filter: 'id in [4, 5, 1499]', output_fields: ['vec', 'tag', 'colour'], consistency_level: 'Strong',
  }));
  const byId = new Map(picked.data.map(r => [Number(r.id), r]));
  assert.deepEqual([...byId.keys()].sort((a, b) => a - b), [4, 5, 1499]);
  assert.deepEqual([byId.get(4).tag, byId.get(5).tag ?? null, byId.get(1499).tag ?? null], ['t;4', null, null]);
  assert.equal(byId.get(5).colour ?? byId.get(5).$meta?.colour, 'c2');
  for (const id of [4, 5, 1499]) assert.deepEqual(byId.get(id).vec, vector(id));
  succeeded(await client.dropCollection({ collection_name: name }));
});
