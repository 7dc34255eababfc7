'use strict';
// Near-duplicate text with the MinHash function through the Node SDK: the server signs each text into a BinaryVector
// (16 hashes of 32 bits), a MINHASH_LSH index ranks rows by MHJACCARD, and a search by text finds the text itself and
// its duplicates first, over flushed and growing rows. The signatures are the server's own, so the oracle is the
// estimate's meaning: identical shingle sets agree everywhere, unrelated texts hardly anywhere.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, FunctionType } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const { createCollection, indexAndLoad, succeeded, vector } = require('./collections');

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

const TEXTS = [
  'The quick brown fox jumps over the lazy dog',
  'the quick brown fox jumps over the lazy dog!',
  'A quick brown fox jumped over a lazy dog',
  'Machine learning is transforming artificial intelligence',
  'Completely unrelated text about cooking recipes',
  'Completely unrelated text about cooking recipes.',
  'Deep learning transforms artificial intelligence research',
];

test('MinHash signatures rank duplicates first by MHJACCARD over flushed and growing rows', async () => {
  const name = `minhash_${Date.now()}`;
  await createCollection(client, name, [
    { name: 'text', data_type: DataType.VarChar, max_length: 500 },
    { name: 'sig', data_type: DataType.BinaryVector, dim: 16 * 32 },
  ], {
    functions: [{
      name: 'text_to_minhash', type: FunctionType.MINHASH, input_field_names: ['text'], output_field_names: ['sig'],
      params: { num_hashes: 16, shingle_size: 2 },
    }],
  });
  const described = await client.describeCollection({ collection_name: name });
  assert.equal(described.schema.functions[0].type, 'MinHash');

  const rows = TEXTS.map((text, id) => ({ id, vec: vector(id), text }));
  succeeded(await client.insert({ collection_name: name, data: rows.slice(0, 4) }));
  await client.flush({ collection_names: [name] });
  succeeded(await client.insert({ collection_name: name, data: rows.slice(4) }));
  succeeded(await client.createIndex({
    collection_name: name, field_name: 'sig', index_type: 'MINHASH_LSH', metric_type: 'MHJACCARD', params: { mh_lsh_band: 4 },
  }));
  await indexAndLoad(client, name);

  // Texts whose word shingles are the same once the analyzer has lower-cased them and dropped punctuation.
  const duplicates = [[0, 1], [4, 5]];
  for (const [id, text] of TEXTS.entries()) {
    const result = succeeded(await client.search({
      collection_name: name, data: text, anns_field: 'sig', limit: 3, output_fields: ['text'],
      params: { mh_search_with_jaccard: true, refine_k: 10 },
    }));
    const twin = duplicates.find(pair => pair.includes(id))?.find(other => other !== id);
    const exact = result.results.filter(hit => hit.score === 1).map(hit => Number(hit.id)).sort();
    assert.deepEqual(exact, twin === undefined ? [id] : [id, twin].sort(), text);
    const scores = result.results.map(hit => hit.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
    result.results.forEach(hit => assert.equal(hit.text, TEXTS[Number(hit.id)]));
  }

  const unrelated = succeeded(await client.search({
    collection_name: name, data: TEXTS[3], anns_field: 'sig', limit: 7, output_fields: ['id'],
  }));
  assert.ok(unrelated.results.find(hit => Number(hit.id) === 4).score < 0.5);

  const stored = succeeded(await client.query({ collection_name: name, filter: 'id in [4, 5]', output_fields: ['sig'] }));
  assert.equal(stored.data.length, 2);
  assert.deepEqual(stored.data[0].sig, stored.data[1].sig);
  assert.equal(stored.data[0].sig.length, 16 * 4);

  await client.dropCollection({ collection_name: name });
});
