'use strict';
// Model functions through the Node SDK, against a model provider this file serves on loopback (Text Embeddings
// Inference's /embed and /rerank): a text embedding function fills its vector field from the texts inserted (rows
// flushed and growing), a search by text ranks by the provider's vector of the text, a model reranker reorders the
// hits by the provider's relevance, and dropping and adding the function changes what an insert needs.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { MilvusClient, DataType, FunctionType } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const { succeeded } = require('./collections');

const DIM = 32;
let client;
serverWithClient(MilvusClient, connected => { client = connected; });

const words = text => text.toLowerCase().split(/[^a-z0-9]+/).filter(w => w.length > 0);
/** A text's vector counts its words, each into a bucket of a stable hash. */
function embed(text) {
  const vector = new Array(DIM).fill(0);
  for (const word of words(text)) {
    let hash = 2166136261;
    for (const c of word) hash = Math.imul(hash ^ c.charCodeAt(0), 16777619) >>> 0;
    vector[hash % DIM] += 1;
  }
  return vector;
}
/** How many of the query's words the document holds, plus a little for a shorter document. */
const relevance = (query, document) => new Set(words(query)).size - [...new Set(words(query))].filter(w => !words(document).includes(w)).length
  + 1 / (1 + document.length);
const cosine = (a, b) => {
  const dot = (x, y) => x.reduce((s, v, i) => s + v * y[i], 0);
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
};

let provider;
let endpoint;
const requests = [];
before(async () => {
  provider = http.createServer((request, response) => {
    let body = '';
    request.on('data', chunk => (body += chunk));
    request.on('end', () => {
      const sent = JSON.parse(body);
      requests.push([request.url, sent]);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(request.url === '/rerank'
        ? sent.texts.map((text, index) => ({ index, score: relevance(sent.query, text) })).sort((a, b) => b.score - a.score)
        : sent.inputs.map(embed)));
    });
  });
  await new Promise(resolve => provider.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${provider.address().port}`;
});
after(() => provider.close());

const texts = [
  'apple is a fruit', 'banana is a yellow fruit', 'orange juice is sweet', 'machine learning is interesting',
  'vector database search', 'a river of stone', 'yellow light at night', 'fruit salad with apple and pear',
  'green apple pie', 'the night train to the river',
];
const embedding = () => ({
  name: 'tei_embed', type: FunctionType.TEXTEMBEDDING, input_field_names: ['text'], output_field_names: ['dense'],
  params: { provider: 'TEI', endpoint },
});

test('a text embedding function fills vectors, searches by text, and a model reranker reorders the hits', async () => {
  const name = 'model_functions';
  succeeded(await client.createCollection({
    collection_name: name,
    consistency_level: 'Strong',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'text', data_type: DataType.VarChar, max_length: 128 },
      { name: 'dense', data_type: DataType.FloatVector, dim: DIM, is_function_output: true },
    ],
    functions: [embedding()],
  }));
  const described = succeeded(await client.describeCollection({ collection_name: name }));
  assert.deepEqual(described.schema.functions.map(f => [f.name, f.type]), [['tei_embed', 'TextEmbedding']]);

  succeeded(await client.insert({ collection_name: name, data: texts.slice(0, 5).map((text, id) => ({ id, text })) }));
  succeeded(await client.flushSync({ collection_names: [name] }));
  succeeded(await client.insert({ collection_name: name, data: texts.slice(5).map((text, i) => ({ id: i + 5, text })) }));
  succeeded(await client.createIndex({ collection_name: name, field_name: 'dense', index_type: 'FLAT', metric_type: 'COSINE' }));
  succeeded(await client.loadCollectionSync({ collection_name: name }));

  // The stored vectors are the provider's.
  const stored = succeeded(await client.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id', 'dense'], limit: 100 }));
  for (const row of stored.data) {
    assert.deepEqual(row.dense, embed(texts[Number(row.id)]), `vector of row ${row.id}`);
  }

  // A search by text scores each row the cosine of its vector and the text's.
  const query = 'yellow fruit';
  const byText = succeeded(await client.search({ collection_name: name, data: query, anns_field: 'dense', limit: 4, output_fields: ['text'] }));
  const best = texts.map(text => cosine(embed(query), embed(text))).sort((a, b) => b - a).slice(0, 4);
  byText.results.forEach((hit, i) => {
    assert.ok(Math.abs(hit.score - cosine(embed(query), embed(hit.text))) < 1e-4, `score of ${hit.text}`);
    assert.ok(Math.abs(hit.score - best[i]) < 1e-4, `hit ${i} scores ${hit.score}, the ${i}th best is ${best[i]}`);
  });

  // A model reranker orders the same hits by the provider's relevance to its query.
  const rerankQuery = 'apple pear salad';
  const reranked = succeeded(await client.search({
    collection_name: name, data: query, anns_field: 'dense', limit: 4, output_fields: ['text'],
    rerank: { name: 'semantic', type: FunctionType.RERANK, input_field_names: ['text'], params: { reranker: 'model', provider: 'tei', queries: [rerankQuery], endpoint } },
  }));
  assert.deepEqual(reranked.results.map(h => h.text).sort(), byText.results.map(h => h.text).sort());
  const relevances = byText.results.map(h => relevance(rerankQuery, h.text)).sort((a, b) => b - a);
  reranked.results.forEach((hit, i) => {
    assert.ok(Math.abs(hit.score - relevance(rerankQuery, hit.text)) < 1e-4, `relevance of ${hit.text}`);
    assert.ok(Math.abs(hit.score - relevances[i]) < 1e-4, `hit ${i} ordered by relevance`);
  });
  assert.ok(requests.some(([url, sent]) => url === '/rerank' && sent.query === rerankQuery));

  // Without the function an insert must send the vectors; with it added again they are computed again. The SDK
  // caches the schema it checks rows against: each change is followed by a describe that refreshes it.
  succeeded(await client.dropCollectionFunction({ collection_name: name, function_name: 'tei_embed' }));
  const dropped = succeeded(await client.describeCollection({ collection_name: name, cache: false }));
  assert.deepEqual(dropped.schema.functions, []);
  const missing = await client.insert({ collection_name: name, data: [{ id: 100, text: 'no vector' }] });
  assert.notEqual(missing.status.error_code, 'Success');
  succeeded(await client.insert({ collection_name: name, data: [{ id: 100, text: 'own vector', dense: embed('something else') }] }));
  succeeded(await client.addCollectionFunction({ collection_name: name, function: embedding() }));
  succeeded(await client.describeCollection({ collection_name: name, cache: false }));
  succeeded(await client.insert({ collection_name: name, data: [{ id: 101, text: 'night river' }] }));
  const added = succeeded(await client.query({ collection_name: name, filter: 'id in [100, 101]', output_fields: ['id', 'dense'] }));
  assert.deepEqual(added.data.sort((a, b) => Number(a.id) - Number(b.id)).map(r => r.dense), [embed('something else'), embed('night river')]);
  succeeded(await client.dropCollection({ collection_name: name }));
});
