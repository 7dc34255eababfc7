'use strict';
// The collection most SDK tests start from, built one way: an Int64 primary key `id` and a float vector `vec` (DIM
// dimensions unless `dim` is given), then the fields a test adds; Strong consistency unless the options say otherwise;
// a FLAT L2 index on `vec`; loaded. `succeeded` checks a result's status, whichever of the two shapes the SDK answers.
const assert = require('node:assert/strict');
const { DataType, ErrorCode } = require('@zilliz/milvus2-sdk-node');

const DIM = 4;
const vector = id => [Math.sin(id), Math.cos(id), Math.sin(2 * id), Math.cos(3 * id)];
const l2 = (a, b) => a.reduce((sum, x, i) => sum + (x - b[i]) ** 2, 0);

/** A seeded generator of numbers in [0, 1), so a failure reproduces. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Asserts that an SDK result (a status, or a response holding one) succeeded; returns the result. */
function succeeded(result) {
  const status = result.status ?? result;
  assert.equal(status.error_code, ErrorCode.SUCCESS, status.reason);
  return result;
}

/** Creates `name` with `id`, `vec` and `extraFields`; `options` go to createCollection as they are (`dim` sizes `vec`). */
async function createCollection(client, name, extraFields = [], { dim = DIM, ...options } = {}) {
  return succeeded(await client.createCollection({
    collection_name: name,
    consistency_level: 'Strong',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vec', data_type: DataType.FloatVector, dim },
      ...extraFields,
    ],
    ...options,
  }));
}

/** A FLAT L2 index on `vec`, then (unless `load` is false) a load that returns once the collection is loaded. */
async function indexAndLoad(client, name, load = true) {
  succeeded(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }));
  if (load) await client.loadCollectionSync({ collection_name: name });
}

/** createCollection, then indexAndLoad. */
async function createLoaded(client, name, extraFields = [], options = {}) {
  await createCollection(client, name, extraFields, options);
  await indexAndLoad(client, name);
}

module.exports = { DIM, vector, l2, random, succeeded, createCollection, indexAndLoad, createLoaded };
