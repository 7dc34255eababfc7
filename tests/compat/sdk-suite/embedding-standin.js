'use strict';
// A stand-in for OpenAI's embeddings API, which the SDK's TextEmbedding and FullTextSearch specs reach through the
// server's text embedding functions (provider openai): run.sh points milvus.proxy.text-embedding.providers.openai.url
// here. A text's vector counts its words, each into a bucket of a stable hash, so texts sharing words are near; the
// dim is the request's dimensions, else the model's (3072 for text-embedding-3-large, 1536 otherwise). It answers
// only requests carrying the key run.sh gives the server (MILVUSAI_OPENAI_API_KEY).
// usage: node embedding-standin.js PORT KEY
const http = require('node:http');

const [port, key] = [Number(process.argv[2]), process.argv[3]];

function embed(text, dim) {
  const vector = new Array(dim).fill(0);
  for (const word of text.toLowerCase().split(/[^a-z0-9]+/).filter(w => w.length > 0)) {
    let hash = 2166136261;
    for (const c of word) hash = Math.imul(hash ^ c.charCodeAt(0), 16777619) >>> 0;
    vector[hash % dim] += 1;
  }
  return vector;
}

http.createServer((request, response) => {
  let body = '';
  request.on('data', chunk => (body += chunk));
  request.on('end', () => {
    const answer = (status, value) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    if (request.method !== 'POST' || request.url !== '/v1/embeddings') return answer(404, { error: { message: 'not found' } });
    if (request.headers.authorization !== `Bearer ${key}`) return answer(401, { error: { message: 'invalid api key' } });
    const { input, model, dimensions } = JSON.parse(body);
    const dim = dimensions || (model === 'text-embedding-3-large' ? 3072 : 1536);
    const texts = Array.isArray(input) ? input : [input];
    answer(200, { object: 'list', model, data: texts.map((text, index) => ({ object: 'embedding', index, embedding: embed(text, dim) })) });
  });
}).listen(port, '127.0.0.1', () => console.log(`embedding stand-in listening on ${port}`));
