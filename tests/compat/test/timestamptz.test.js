'use strict';
// Milvus 2.6's Timestamptz field through the Node SDK: the SDK sends ISO strings (any offset) and the default in UTC
// microseconds; the server keeps instants, describes the default as an ISO string, answers ISO strings in the
// collection's time zone, and filters with ISO literals and INTERVAL arithmetic select the rows computed here.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, ErrorCode } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');

const DIM = 4;
const ROWS = 30;
const DAY_MS = 86_400_000;
const DEFAULT = '2001-09-09T09:46:40+08:00';
const vector = id => [id, 1, Math.sin(id), Math.cos(id)];

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

// An instant written with a fixed offset of `hours`, as a client in that zone would send it.
function withOffset(ms, hours) {
  if (hours === 0) return new Date(ms).toISOString();
  const local = new Date(ms + hours * 3_600_000).toISOString().slice(0, -1);
  const sign = hours < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.abs(hours)).padStart(2, '0')}:00`;
}

test('Timestamptz values keep their instant through insert, query, search and filters', async () => {
  const name = 'timestamptz_events';
  const created = await client.createCollection({
    collection_name: name,
    consistency_level: 'Strong',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      { name: 'at', data_type: DataType.Timestamptz, default_value: DEFAULT },
      { name: 'seen', data_type: DataType.Timestamptz, nullable: true },
    ],
  });
  assert.equal(created.error_code, ErrorCode.SUCCESS, created.reason);

  const described = await client.describeCollection({ collection_name: name });
  const at = described.schema.fields.find(f => f.name === 'at');
  assert.equal(at.data_type, 'Timestamptz');
  assert.equal(new Date(at.default_value).getTime(), new Date(DEFAULT).getTime());
  assert.deepEqual(described.properties, [{ key: 'timezone', value: 'UTC' }]);

  const index = await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' });
  assert.equal(index.error_code, ErrorCode.SUCCESS, index.reason);
  await client.loadCollectionSync({ collection_name: name });

  // Each row's instant, written with an offset that changes from row to row; every fifth row leaves `at` to its
  // default and every third has no `seen`.
  const start = Date.UTC(2025, 5, 1);
  const expected = Array.from({ length: ROWS }, (_, id) => ({
    id,
    at: id % 5 === 2 ? new Date(DEFAULT).getTime() : start + id * 7_777_777,
    seen: id % 3 === 0 ? null : start + id * DAY_MS / 3,
  }));
  const data = expected.map(row => {
    const sent = { id: row.id, vec: vector(row.id) };
    if (row.id % 5 !== 2) sent.at = withOffset(row.at, (row.id % 7) - 3);
    if (row.seen !== null) sent.seen = withOffset(row.seen, 8);
    return sent;
  });
  const inserted = await client.insert({ collection_name: name, data });
  assert.equal(inserted.status.error_code, ErrorCode.SUCCESS, inserted.status.reason);

  const readAll = async () => {
    const result = await client.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id', 'at', 'seen'], limit: 100 });
    assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
    return result.data.sort((a, b) => Number(a.id) - Number(b.id));
  };
  let rows = await readAll();
  assert.equal(rows.length, ROWS);
  for (const row of rows) {
    const want = expected[Number(row.id)];
    assert.match(row.at, /Z$/);
    assert.equal(new Date(row.at).getTime(), want.at, `row ${row.id}`);
    assert.equal(row.seen === null ? null : new Date(row.seen).getTime(), want.seen, `row ${row.id}`);
  }

  const mid = start + 15 * 7_777_777;
  const filters = [
    [`at > ISO '${withOffset(mid, 5)}'`, row => row.at > mid],
    [`at <= '${withOffset(mid, -4)}'`, row => row.at <= mid],
    [`at in [ISO '${withOffset(expected[4].at, 2)}', ISO '${DEFAULT}']`, row => row.at === expected[4].at || row.at === new Date(DEFAULT).getTime()],
    ['seen is null', row => row.seen === null],
    [`seen + INTERVAL 'P2D' < ISO '${withOffset(start + 6 * DAY_MS, 0)}'`, row => row.seen !== null && row.seen + 2 * DAY_MS < start + 6 * DAY_MS],
  ];
  for (const [filter, keep] of filters) {
    const want = expected.filter(keep).map(row => row.id);
    assert.ok(want.length > 0 && want.length < ROWS, `${filter} should split the rows`);
    const result = await client.query({ collection_name: name, filter, output_fields: ['id'], limit: 100 });
    assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
    assert.deepEqual(result.data.map(row => Number(row.id)).sort((a, b) => a - b), want, filter);
  }

  const search = await client.search({
    collection_name: name, data: vector(3), anns_field: 'vec', limit: 5, filter: `at > ISO '${withOffset(mid, 0)}'`, output_fields: ['at'],
  });
  assert.equal(search.status.error_code, ErrorCode.SUCCESS, search.status.reason);
  assert.ok(search.results.length > 0);
  for (const hit of search.results) assert.ok(new Date(hit.at).getTime() > mid, `hit ${hit.id} at ${hit.at}`);

  // The collection's time zone decides how instants are shown, not which instants they are.
  const altered = await client.alterCollectionProperties({ collection_name: name, properties: { timezone: 'Asia/Shanghai' } });
  assert.equal(altered.error_code, ErrorCode.SUCCESS, altered.reason);
  const shown = await readAll();
  for (const row of shown) {
    assert.match(row.at, /\+08:00$/);
    assert.equal(new Date(row.at).getTime(), expected[Number(row.id)].at);
  }

  const badZone = await client.alterCollectionProperties({ collection_name: name, properties: { timezone: 'Atlantis/Capital' } });
  assert.notEqual(badZone.error_code, ErrorCode.SUCCESS);
  const badValue = await client.insert({ collection_name: name, data: [{ id: 99, vec: vector(99), at: 'tomorrow-ish' }] });
  assert.notEqual(badValue.status.error_code, ErrorCode.SUCCESS);
  assert.match(badValue.status.reason, /tomorrow-ish/);

  await client.dropCollection({ collection_name: name });
});

// A filter literal without an offset names a wall-clock time; like Milvus, the server reads it in the collection's
// time zone, which a collection without its own `timezone` takes from its database (else UTC).
test('Timestamptz filter literals without an offset are read in the collection or database time zone', async () => {
  const noon = Date.UTC(2025, 0, 15, 12); // the instant every zone below writes as its own local wall-clock time
  const rows = [-1, 0, 1].map((hours, id) => ({ id, vec: vector(id), at: new Date(noon + hours * 3_600_000).toISOString() }));
  const matchesAt = async (db, name, wallClock) => {
    const result = await client.query({ db_name: db, collection_name: name, filter: `at == ISO '${wallClock}'`, output_fields: ['id'], limit: 10 });
    assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
    return result.data.map(row => Number(row.id));
  };
  const make = async (db, name, properties) => {
    const created = await client.createCollection({
      db_name: db, collection_name: name, consistency_level: 'Strong', properties,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'at', data_type: DataType.Timestamptz },
      ],
    });
    assert.equal(created.error_code, ErrorCode.SUCCESS, created.reason);
    await client.createIndex({ db_name: db, collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' });
    await client.loadCollectionSync({ db_name: db, collection_name: name });
    const inserted = await client.insert({ db_name: db, collection_name: name, data: rows });
    assert.equal(inserted.status.error_code, ErrorCode.SUCCESS, inserted.status.reason);
  };

  // Tokyo is UTC+9 all year: 21:00 there is 12:00 UTC, row 1.
  await make('default', 'timestamptz_tokyo', { timezone: 'Asia/Tokyo' });
  assert.deepEqual(await matchesAt('default', 'timestamptz_tokyo', '2025-01-15T21:00:00'), [1]);
  assert.deepEqual(await matchesAt('default', 'timestamptz_tokyo', '2025-01-15T12:00:00Z'), [1], 'an explicit offset wins');
  assert.deepEqual(await matchesAt('default', 'timestamptz_tokyo', '2025-01-15T12:00:00'), []);
  // Changing the collection's zone changes how the same text reads: 13:00 in UTC is noon + 1 h, row 2.
  await client.alterCollectionProperties({ collection_name: 'timestamptz_tokyo', properties: { timezone: 'UTC' } });
  assert.deepEqual(await matchesAt('default', 'timestamptz_tokyo', '2025-01-15T13:00:00'), [2]);

  // New York is UTC-5 in January: 06:00 there is 11:00 UTC, row 0. The collection names no zone of its own.
  const db = 'timestamptz_zoned_db';
  const createdDb = await client.createDatabase({ db_name: db, properties: { timezone: 'America/New_York' } });
  assert.equal(createdDb.error_code, ErrorCode.SUCCESS, createdDb.reason);
  await make(db, 'inherits_zone', undefined);
  const described = await client.describeCollection({ db_name: db, collection_name: 'inherits_zone' });
  assert.deepEqual(described.properties, [{ key: 'timezone', value: 'America/New_York' }]);
  assert.deepEqual(await matchesAt(db, 'inherits_zone', '2025-01-15 06:00:00'), [0]);

  const badDb = await client.createDatabase({ db_name: 'timestamptz_bad_zone', properties: { timezone: 'Mars/Olympus' } });
  assert.notEqual(badDb.error_code, ErrorCode.SUCCESS);
  await client.dropCollection({ db_name: db, collection_name: 'inherits_zone' });
  await client.dropDatabase({ db_name: db });
  await client.dropCollection({ collection_name: 'timestamptz_tokyo' });
});
