'use strict';
// Milvus's tlsMode 1 through the official Node SDK: a client trusting the server's CA (tls.rootCertPath) is served over
// TLS, one connecting without TLS is not. Needs a server started with milvus.proxy.grpc.tls.mode = 1: TlsTests starts
// one and sets MILVUS_TLS_ADDRESS (host:port) and MILVUS_TLS_CA (the CA's PEM); skipped without them.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient } = require('@zilliz/milvus2-sdk-node');

const address = process.env.MILVUS_TLS_ADDRESS;
const ca = process.env.MILVUS_TLS_CA;

test('the SDK is served over one-way TLS and refused without it', { skip: !address && 'MILVUS_TLS_ADDRESS is not set' }, async () => {
  const secure = new MilvusClient({ address, tls: { rootCertPath: ca }, timeout: 30_000 });
  try {
    await secure.connectPromise;
    const shown = await secure.showCollections();
    assert.equal(shown.status.error_code, 'Success');
    const version = await secure.getVersion();
    assert.ok(version.version, 'GetVersion answered over TLS');
  } finally {
    await secure.closeConnection();
  }

  const plain = new MilvusClient({ address, timeout: 5_000 });
  try {
    await assert.rejects(async () => {
      await plain.connectPromise;
      await plain.showCollections();
    });
  } finally {
    await plain.closeConnection();
  }
});
