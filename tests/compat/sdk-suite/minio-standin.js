'use strict';
// A stand-in for the MinIO server the SDK's Import spec uploads its files to (127.0.0.1:9000, bucket a-bucket,
// MinIO's default minioadmin keys): s3rver from tests/setup (tests/setup/services.sh installs it) with those keys
// added. run.sh points the server's object storage at the same bucket, so the files the spec uploads are there to import.
// usage: node minio-standin.js DATA_DIR [PORT]
const path = require('node:path');
const setup = path.resolve(__dirname, '..', '..', 'setup', 'node_modules');
const S3rver = require(path.join(setup, 's3rver'));
const { DUMMY_ACCOUNT } = require(path.join(setup, 's3rver', 'lib', 'models', 'account'));

DUMMY_ACCOUNT.createKeyPair('minioadmin', 'minioadmin');
new S3rver({
  address: '127.0.0.1',
  port: Number(process.argv[3] || 9000),
  directory: process.argv[2],
  silent: true,
  configureBuckets: [{ name: 'a-bucket' }],
}).run().then(() => console.log('minio stand-in listening'), error => {
  console.error(error);
  process.exit(1);
});
