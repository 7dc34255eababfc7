'use strict';
// Full-text features through the Node SDK: RunAnalyzer, an analyzed VarChar field with text match, TEXT_MATCH and
// PHRASE_MATCH filters in query and search checked against a brute-force oracle, a lexical highlighter on the matches,
// and the clear refusals (analyzers this server does not run, text match on a field without it).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, ErrorCode, HighlightType } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const { createCollection, random } = require('./collections');

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

const WORDS = ['Sun', 'moon', 'star', 'sky', 'cloud', 'rain'];

// The oracle's analyzer for this corpus (words of letters joined by spaces and commas): letter runs, lowercased.
const tokens = text => text.split(/[^A-Za-z]+/).filter(t => t.length > 0).map(t => t.toLowerCase());

/** Distinct positions for the phrase's tokens whose shifts from the phrase's own positions span at most `slop`. */
function phraseMatches(text, phrase, slop) {
  const doc = tokens(text);
  const wanted = tokens(phrase);
  const place = (slot, chosen) => {
    if (slot === wanted.length) {
      const shifts = chosen.map((p, i) => p - i);
      return Math.max(...shifts) - Math.min(...shifts) <= slop;
    }
    return doc.some((t, p) => t === wanted[slot] && !chosen.includes(p) && place(slot + 1, [...chosen, p]));
  };
  return wanted.length > 0 && place(0, []);
}

test('runAnalyzer tokenizes with the given analyzer', async () => {
  const result = await client.runAnalyzer({
    analyzer_params: { tokenizer: 'standard', filter: ['lowercase', { type: 'stop', stop_words: ['the'] }] },
    text: ['The Sky, the RAIN!', 'running dogs'],
    with_detail: true,
  });
  assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
  assert.deepEqual(result.results[0].tokens.map(t => t.token), ['sky', 'rain']);
  assert.deepEqual(result.results[0].tokens.map(t => Number(t.position)), [1, 3]);
  assert.deepEqual(result.results[1].tokens.map(t => t.token), ['running', 'dogs']);

  const english = await client.runAnalyzer({ analyzer_params: { type: 'english' }, text: 'The dogs were running' });
  assert.deepEqual(english.results[0].tokens.map(t => t.token), ['dog', 'were', 'run']);

  const icu = await client.runAnalyzer({ analyzer_params: { tokenizer: 'icu', filter: ['removepunct'] }, text: 'Hello, 中文分词测试' });
  assert.equal(icu.status.error_code, ErrorCode.SUCCESS, icu.status.reason);
  assert.deepEqual(icu.results[0].tokens.map(t => t.token), ['Hello', ' ', '中文', '分词', '测试']);

  const lindera = await client.runAnalyzer({ analyzer_params: { tokenizer: { type: 'lindera', dict_kind: 'ipadic' } }, text: 'x' });
  assert.notEqual(lindera.status.error_code, ErrorCode.SUCCESS);
  assert.match(lindera.status.reason, /not supported/);
});

test('TEXT_MATCH and PHRASE_MATCH filter query and search results as brute force does', async () => {
  const name = `fts_${Date.now()}`;
  const text = { name: 'text', data_type: DataType.VarChar, max_length: 200, enable_analyzer: true, enable_match: true, analyzer_params: { type: 'standard' } };
  await createCollection(client, name, [text, { name: 'note', data_type: DataType.VarChar, max_length: 20 }], { dim: 2 });

  // The SDK turns a refused create into a rejected promise carrying the status.
  await assert.rejects(createCollection(client, `${name}_x`, [{ ...text, analyzer_params: { tokenizer: 'lindera' } }], { dim: 2 }),
    refused => refused.error_code !== ErrorCode.SUCCESS && /lindera/.test(refused.reason));

  const next = random(2025);
  const rows = Array.from({ length: 150 }, (_, id) => ({
    id,
    vec: [next(), next()],
    text: Array.from({ length: 1 + Math.floor(next() * 6) }, () => WORDS[Math.floor(next() * WORDS.length)]).join(next() < 0.5 ? ' ' : ', '),
    note: `n${id}`,
  }));
  for (const [from, to] of [[0, 80], [80, 150]]) {
    const inserted = await client.insert({ collection_name: name, data: rows.slice(from, to) });
    assert.equal(inserted.status.error_code, ErrorCode.SUCCESS, inserted.status.reason);
    if (from === 0) await client.flush({ collection_names: [name] });
  }
  await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' });
  await client.loadCollection({ collection_name: name });

  const ids = filter => rows.filter(filter).map(r => r.id).sort((a, b) => a - b);
  const queried = async expr => {
    const result = await client.query({ collection_name: name, filter: expr, output_fields: ['id'], consistency_level: 'Strong' });
    assert.equal(result.status.error_code, ErrorCode.SUCCESS, result.status.reason);
    return result.data.map(r => Number(r.id)).sort((a, b) => a - b);
  };

  assert.deepEqual(await queried("TEXT_MATCH(text, 'SUN rain')"), ids(r => tokens(r.text).some(t => t === 'sun' || t === 'rain')));
  for (const [phrase, slop] of [['sun moon', 0], ['sun moon', 1], ['moon sun', 2], ['star star', 0]]) {
    assert.deepEqual(await queried(`PHRASE_MATCH(text, '${phrase}', ${slop})`), ids(r => phraseMatches(r.text, phrase, slop)), `${phrase} ~${slop}`);
  }

  const search = await client.search({
    collection_name: name, data: [0.5, 0.5], anns_field: 'vec', limit: 200, filter: "TEXT_MATCH(text, 'cloud')",
    output_fields: ['text'], consistency_level: 'Strong',
  });
  assert.equal(search.status.error_code, ErrorCode.SUCCESS, search.status.reason);
  assert.deepEqual(search.results.map(h => Number(h.id)).sort((a, b) => a - b), ids(r => tokens(r.text).includes('cloud')));

  // A lexical highlighter wraps the filter's term in each hit's text: one fragment from the first match (the texts are
  // shorter than a fragment's 100 characters), the tags taken in turn.
  const highlighted = await client.search({
    collection_name: name, data: [0.5, 0.5], anns_field: 'vec', limit: 200, filter: "TEXT_MATCH(text, 'cloud')",
    output_fields: ['text'], consistency_level: 'Strong',
    highlighter: {
      type: HighlightType.Lexical, pre_tags: ['<b>', '<i>'], post_tags: ['</b>', '</i>'],
      highlight_query: [{ type: 'TextMatch', field: 'text', text: 'cloud' }],
    },
  });
  assert.equal(highlighted.status.error_code, ErrorCode.SUCCESS, highlighted.status.reason);
  assert.equal(highlighted.results.length, search.results.length);
  const marked = text => {
    let match = 0;
    return text.slice(text.indexOf('cloud')).replace(/cloud/g, word => (match++ % 2 === 0 ? `<b>${word}</b>` : `<i>${word}</i>`));
  };
  for (const hit of highlighted.results) {
    assert.deepEqual(hit.highlight.text.fragments, [marked(hit.text)], `row ${hit.id}: ${hit.text}`);
  }

  const plain = await client.query({ collection_name: name, filter: "TEXT_MATCH(note, 'n1')", output_fields: ['id'] });
  assert.notEqual(plain.status.error_code, ErrorCode.SUCCESS);
  assert.match(plain.status.reason, /does not enable match/);

  await client.dropCollection({ collection_name: name });
});
