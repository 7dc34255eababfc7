'use strict';
// Full-text search with the BM25 function through the Node SDK: a collection whose schema has a BM25 function, rows
// inserted as text only (the server fills the sparse output), a BM25 index, and searches by text whose ranking and
// scores are checked against a brute-force BM25 over the same rows (flushed and growing), as well as the output
// field staying hidden from queries and a hybrid search with a dense request; the same over Chinese texts with the
// chinese analyzer (jieba).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, ErrorCode, FunctionType } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const { createCollection, random } = require('./collections');

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

const WORDS = ['Ocean', 'wave', 'sand', 'shell', 'gull', 'boat', 'harbor', 'tide', 'salt', 'reef'];
const K1 = 1.2;
const B = 0.75;

// The oracle's analyzer for this corpus (words of letters joined by spaces and commas): letter runs, lowercased.
const tokens = text => text.split(/[^A-Za-z]+/).filter(t => t.length > 0).map(t => t.toLowerCase());

/** Every matching row with its BM25 score over the whole corpus, best first. */
function bm25(rows, query, tokenize = tokens) {
  const docs = rows.map(r => ({ id: r.id, terms: tokenize(r.text) }));
  const avgdl = docs.reduce((sum, d) => sum + d.terms.length, 0) / docs.length;
  const counts = new Map();
  for (const term of tokenize(query)) counts.set(term, (counts.get(term) ?? 0) + 1);
  const hits = [];
  for (const doc of docs) {
    let score = 0;
    let matched = false;
    for (const [term, count] of counts) {
      const tf = doc.terms.filter(t => t === term).length;
      if (tf === 0) continue;
      matched = true;
      const df = docs.filter(d => d.terms.includes(term)).length;
      const idf = Math.log(1 + (docs.length - df + 0.5) / (df + 0.5));
      score += count * idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc.terms.length / avgdl));
    }
    if (matched) hits.push({ id: doc.id, score });
  }
  return hits.sort((a, b) => b.score - a.score || a.id - b.id);
}

test('BM25 full-text search ranks as brute force over flushed and growing rows', async () => {
  const name = `bm25_${Date.now()}`;
  await createCollection(client, name, [
    { name: 'text', data_type: DataType.VarChar, max_length: 300, enable_analyzer: true },
    { name: 'sparse', data_type: DataType.SparseFloatVector, is_function_output: true },
  ], {
    dim: 2,
    functions: [
      { name: 'text_bm25', type: FunctionType.BM25, input_field_names: ['text'], output_field_names: ['sparse'], params: {} },
    ],
  });

  const described = await client.describeCollection({ collection_name: name });
  assert.equal(described.schema.functions.length, 1);
  assert.equal(described.schema.functions[0].type, 'BM25');
  assert.deepEqual(described.schema.functions[0].output_field_names, ['sparse']);
  assert.equal(described.schema.fields.find(f => f.name === 'sparse').is_function_output, true);

  const next = random(77);
  const rows = Array.from({ length: 160 }, (_, id) => ({
    id,
    vec: [next(), next()],
    text: Array.from({ length: 1 + Math.floor(next() * 9) }, () => WORDS[Math.floor(next() * (next() < 0.5 ? 3 : WORDS.length))])
      .join(next() < 0.5 ? ' ' : ', '),
  }));
  for (const [from, to] of [[0, 70], [70, 160]]) {
    const inserted = await client.insert({ collection_name: name, data: rows.slice(from, to) });
    assert.equal(inserted.status.error_code, ErrorCode.SUCCESS, inserted.status.reason);
    if (from === 0) await client.flush({ collection_names: [name] });
  }
  await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' });
  const indexed = await client.createIndex({
    collection_name: name, field_name: 'sparse', index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'BM25',
    params: { inverted_index_algo: 'DAAT_MAXSCORE', bm25_k1: K1, bm25_b: B },
  });
  assert.equal(indexed.error_code, ErrorCode.SUCCESS, indexed.reason);
  await client.loadCollection({ collection_name: name });

  for (const query of ['ocean', 'Sand, WAVE wave', 'reef boat harbor']) {
    const result = await client.search({
      collection_name: name, data: query, anns_field: 'sparse', limit: 12, output_fields: ['text'], consistency_level: 'Strong',
    });
    assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
    const expected = bm25(rows, query).slice(0, 12);
    const scoreOf = new Map(bm25(rows, query).map(h => [h.id, h.score]));
    assert.equal(result.results.length, expected.length, query);
    result.results.forEach((hit, rank) => {
      // Equal scores may come in either order: each hit has its own oracle score, and each rank the oracle's.
      assert.ok(Math.abs(scoreOf.get(Number(hit.id)) - hit.score) < 1e-4 * Math.max(1, hit.score), `${query}: hit ${hit.id}`);
      assert.ok(Math.abs(expected[rank].score - hit.score) < 1e-4 * Math.max(1, hit.score), `${query}: rank ${rank}`);
      assert.equal(hit.text, rows[Number(hit.id)].text);
      assert.equal(hit.sparse, undefined);
    });
  }

  const hidden = await client.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id', 'sparse'], consistency_level: 'Strong' });
  assert.notEqual(hidden.status.error_code, ErrorCode.SUCCESS);
  assert.equal(hidden.status.reason, 'not allowed to retrieve raw data of field sparse');

  const hybrid = await client.search({
    collection_name: name,
    data: [{ data: 'tide salt', anns_field: 'sparse' }, { data: [0.5, 0.5], anns_field: 'vec' }],
    limit: 5,
    consistency_level: 'Strong',
  });
  assert.equal(hybrid.status.error_code, ErrorCode.SUCCESS, hybrid.status.reason);
  assert.equal(hybrid.results.length, 5);

  await client.dropCollection({ collection_name: name });
});

// jieba's search-mode cut of each word alone (Python jieba 0.42 gives the same): texts join these words with "，",
// which the chinese analyzer drops, so a text's terms are its words' terms in turn.
const CHINESE = {
  向量: ['向量'],
  数据库: ['数据', '据库', '数据库'],
  搜索引擎: ['搜索', '索引', '引擎', '搜索引擎'],
  人工智能: ['人工', '智能', '人工智能'],
  机器学习: ['机器', '学习'],
  分布式: ['分布', '布式', '分布式'],
  检索: ['检索'],
};
const chineseTerms = text => text.split('，').flatMap(word => CHINESE[word]);

test('BM25 over Chinese texts with the chinese analyzer ranks as brute force over jieba\'s cut', async () => {
  const name = `bm25_zh_${Date.now()}`;
  await createCollection(client, name, [
    { name: 'text', data_type: DataType.VarChar, max_length: 300, enable_analyzer: true, enable_match: true, analyzer_params: { type: 'chinese' } },
    { name: 'sparse', data_type: DataType.SparseFloatVector, is_function_output: true },
  ], {
    dim: 2,
    functions: [
      { name: 'text_bm25', type: FunctionType.BM25, input_field_names: ['text'], output_field_names: ['sparse'], params: {} },
    ],
  });

  const analyzed = await client.runAnalyzer({ analyzer_params: { type: 'chinese' }, text: '向量数据库，检索' });
  assert.equal(analyzed.status.error_code, ErrorCode.SUCCESS, analyzed.status.reason);
  assert.deepEqual(analyzed.results[0].tokens.map(t => t.token), ['向量', '数据', '据库', '数据库', '检索']);

  const words = Object.keys(CHINESE);
  const next = random(88);
  const rows = Array.from({ length: 120 }, (_, id) => ({
    id,
    vec: [next(), next()],
    text: Array.from({ length: 1 + Math.floor(next() * 6) }, () => words[Math.floor(next() * words.length)]).join('，'),
  }));
  for (const [from, to] of [[0, 50], [50, 120]]) {
    const inserted = await client.insert({ collection_name: name, data: rows.slice(from, to) });
    assert.equal(inserted.status.error_code, ErrorCode.SUCCESS, inserted.status.reason);
    if (from === 0) await client.flush({ collection_names: [name] });
  }
  await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' });
  await client.createIndex({ collection_name: name, field_name: 'sparse', index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'BM25' });
  await client.loadCollection({ collection_name: name });

  for (const query of ['数据库', '人工智能，检索', '分布式，机器学习，机器学习']) {
    const result = await client.search({
      collection_name: name, data: query, anns_field: 'sparse', limit: 10, output_fields: ['text'], consistency_level: 'Strong',
    });
    assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
    const all = bm25(rows, query, chineseTerms);
    const scoreOf = new Map(all.map(h => [h.id, h.score]));
    assert.equal(result.results.length, Math.min(10, all.length), query);
    result.results.forEach((hit, rank) => {
      assert.ok(Math.abs(scoreOf.get(Number(hit.id)) - hit.score) < 1e-4 * Math.max(1, hit.score), `${query}: hit ${hit.id}`);
      assert.ok(Math.abs(all[rank].score - hit.score) < 1e-4 * Math.max(1, hit.score), `${query}: rank ${rank}`);
    });
  }

  // TEXT_MATCH cuts its query the same way: 索引 is a term only of 搜索引擎's texts.
  const matched = await client.query({ collection_name: name, filter: "TEXT_MATCH(text, '索引')", output_fields: ['id'], consistency_level: 'Strong' });
  assert.equal(matched.status.error_code, ErrorCode.SUCCESS, matched.status.reason);
  assert.deepEqual(matched.data.map(r => Number(r.id)).sort((a, b) => a - b), rows.filter(r => r.text.includes('搜索引擎')).map(r => r.id));

  await client.dropCollection({ collection_name: name });
});

test('multi-language analyzers: each row by its language field, each query by analyzer_name', async () => {
  const name = `bm25_multi_${Date.now()}`;
  await createCollection(client, name, [
    { name: 'lang', data_type: DataType.VarChar, max_length: 16, nullable: true },
    {
      name: 'text', data_type: DataType.VarChar, max_length: 300, enable_analyzer: true,
      multi_analyzer_params: { by_field: 'lang', analyzers: { english: { type: 'english' }, default: { tokenizer: 'whitespace' } }, alias: { en: 'english' } },
    },
    { name: 'sparse', data_type: DataType.SparseFloatVector, is_function_output: true },
  ], {
    dim: 2,
    functions: [
      { name: 'text_bm25', type: FunctionType.BM25, input_field_names: ['text'], output_field_names: ['sparse'], params: {} },
    ],
  });
  const inserted = await client.insert({
    collection_name: name,
    data: [
      { id: 0, vec: [0, 1], lang: 'en', text: 'Running dogs' },
      { id: 1, vec: [1, 1], lang: 'fr', text: 'Running dogs' },
      { id: 2, vec: [2, 1], lang: null, text: 'runs' },
      { id: 3, vec: [3, 1], lang: 'english', text: 'the cat' },
    ],
  });
  assert.equal(inserted.status.error_code, ErrorCode.SUCCESS, inserted.status.reason);
  await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' });
  await client.createIndex({ collection_name: name, field_name: 'sparse', index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'BM25' });
  await client.loadCollection({ collection_name: name });

  const hits = async (text, params) => {
    const result = await client.search({
      collection_name: name, data: text, anns_field: 'sparse', limit: 10, consistency_level: 'Strong', params,
    });
    assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
    return result.results.map(h => Number(h.id)).sort();
  };
  // English stems "runs" to "run", which only the English row 0 holds ("Running" → "run"); the default analyzer
  // (whitespace) keeps "runs" as written, which only row 2 holds.
  assert.deepEqual(await hits('runs', { analyzer_name: 'en' }), [0]);
  assert.deepEqual(await hits('runs', {}), [2]);
  assert.deepEqual(await hits('Running', { analyzer_name: 'unknown' }), [1]);

  await assert.rejects(createCollection(client, `${name}_x`, [
    { name: 'lang', data_type: DataType.VarChar, max_length: 16 },
    { name: 'text', data_type: DataType.VarChar, max_length: 300, enable_analyzer: true, enable_match: true, multi_analyzer_params: { by_field: 'lang', analyzers: { default: {} } } },
  ], { dim: 2 }), refused => /enable match/.test(refused.reason));

  await client.dropCollection({ collection_name: name });
});
