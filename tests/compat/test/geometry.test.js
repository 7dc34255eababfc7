'use strict';
// The GEOMETRY field (Milvus 2.6) through the Node SDK: WKT in, WKT out, null rows, an RTREE index, and spatial filters
// (ST_WITHIN, ST_INTERSECTS, ST_TOUCHES, ST_DWITHIN) checked against the test's own geometry on points and boxes.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, ErrorCode } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');

const DIM = 4;
let client;
serverWithClient(MilvusClient, connected => { client = connected; });

// Points on a 0.5 grid over [0, 10]², so that some lie exactly on the box's edges; every 9th row is null.
const rows = Array.from({ length: 200 }, (_, id) => ({
  id,
  vec: [id % 7, id % 5, id % 3, 1],
  geo: id % 9 === 4 ? null : `POINT (${(id % 21) / 2} ${(Math.floor(id / 21) * 2 + (id % 2)) / 2})`,
}));
const box = { minX: 2, minY: 3, maxX: 7, maxY: 8 };
const boxWkt = `POLYGON ((${box.minX} ${box.minY}, ${box.maxX} ${box.minY}, ${box.maxX} ${box.maxY}, ${box.minX} ${box.maxY}, ${box.minX} ${box.minY}))`;

const coordinates = wkt => wkt.match(/POINT \(([-\d.]+) ([-\d.]+)\)/).slice(1).map(Number);
const idsWhere = predicate => rows.filter(r => r.geo !== null && predicate(...coordinates(r.geo))).map(r => r.id).sort((a, b) => a - b);
const inside = (x, y) => x > box.minX && x < box.maxX && y > box.minY && y < box.maxY;
const onEdge = (x, y) => x >= box.minX && x <= box.maxX && y >= box.minY && y <= box.maxY && !inside(x, y);

function meters(lon1, lat1, lon2, lat2) {
  const rad = Math.PI / 180;
  const a = Math.sin((lat2 - lat1) * rad / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin((lon2 - lon1) * rad / 2) ** 2;
  return 6371000 * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
}

async function ids(filter) {
  const result = await client.query({ collection_name: 'geometry_places', filter, output_fields: ['id'], consistency_level: 'Strong' });
  assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
  return result.data.map(r => Number(r.id)).sort((a, b) => a - b);
}

test('geometry rows go in and come out as WKT and spatial filters select what the geometry says', async () => {
  const name = 'geometry_places';
  const created = await client.createCollection({
    collection_name: name,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      { name: 'geo', data_type: DataType.Geometry, nullable: true },
    ],
  });
  assert.equal(created.error_code, ErrorCode.SUCCESS, created.reason);
  const described = await client.describeCollection({ collection_name: name });
  assert.equal(described.schema.fields.find(f => f.name === 'geo').data_type, 'Geometry');

  const indexed = await client.createIndex([
    { collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' },
    { collection_name: name, field_name: 'geo', index_type: 'RTREE' },
  ]);
  assert.equal(indexed.error_code, ErrorCode.SUCCESS, indexed.reason);
  await client.loadCollectionSync({ collection_name: name });

  // Half the rows flushed to a sealed segment, half left growing.
  const first = await client.insert({ collection_name: name, data: rows.slice(0, 100) });
  assert.equal(first.status.error_code, ErrorCode.SUCCESS, first.status.reason);
  await client.flushSync({ collection_names: [name] });
  const second = await client.insert({ collection_name: name, data: rows.slice(100) });
  assert.equal(second.status.error_code, ErrorCode.SUCCESS, second.status.reason);

  const bad = await client.insert({ collection_name: name, data: [{ id: 999, vec: [0, 0, 0, 0], geo: 'POINT (1' }] });
  assert.equal(bad.status.error_code, ErrorCode.IllegalArgument, bad.status.reason);

  const within = idsWhere(inside);
  assert.ok(within.length > 0 && idsWhere(onEdge).length > 0, 'the grid puts points inside the box and on its edges');
  assert.deepEqual(await ids(`ST_WITHIN(geo, '${boxWkt}')`), within);
  assert.deepEqual(await ids(`st_intersects(geo, '${boxWkt}')`), idsWhere((x, y) => inside(x, y) || onEdge(x, y)));
  assert.deepEqual(await ids(`ST_TOUCHES(geo, '${boxWkt}')`), idsWhere(onEdge));
  assert.deepEqual(await ids(`not ST_WITHIN(geo, '${boxWkt}') and geo is not null`), idsWhere((x, y) => !inside(x, y)));
  assert.deepEqual(await ids('geo is null'), rows.filter(r => r.geo === null).map(r => r.id));

  // ST_DWITHIN is in meters on longitude/latitude: 100 km around (5 5) holds the points less than about 0.9° away.
  const near = idsWhere((x, y) => meters(x, y, 5, 5) <= 100000);
  assert.ok(near.length > 0 && near.length < rows.length / 2);
  assert.deepEqual(await ids(`ST_DWITHIN(geo, 'POINT (5 5)', 100000)`), near);

  // Output: the WKT of each row (null stays null), in search results too.
  const all = await client.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id', 'geo'], consistency_level: 'Strong' });
  assert.equal(all.data.length, rows.length);
  for (const row of all.data) {
    const sent = rows[Number(row.id)].geo;
    if (sent === null) assert.equal(row.geo, null);
    else assert.deepEqual(coordinates(row.geo), coordinates(sent));
  }

  const search = await client.search({
    collection_name: name,
    data: [1, 1, 1, 1],
    limit: 5,
    filter: `ST_WITHIN(geo, '${boxWkt}')`,
    output_fields: ['geo'],
    consistency_level: 'Strong',
  });
  assert.equal(search.status.error_code, ErrorCode.SUCCESS, search.status.reason);
  assert.equal(search.results.length, Math.min(5, within.length));
  for (const hit of search.results) assert.ok(inside(...coordinates(hit.geo)), `${hit.geo} is inside the box`);

  const refused = await client.query({ collection_name: name, filter: `ST_DWITHIN(geo, '${boxWkt}', 10)`, output_fields: ['id'] });
  assert.notEqual(refused.status.error_code, ErrorCode.SUCCESS);
});
