'use strict';
// Where the SDK tests find a Milvus.Akka server: MILVUS_ADDRESS when the caller runs one (the xunit wrapper does),
// else a standalone server started here from the built Milvus.Akka.Server.dll on a free loopback port.
const { spawn } = require('node:child_process');
const { before, after } = require('node:test');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..', '..');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function serverDll() {
  const candidates = [
    process.env.MILVUS_AKKA_SERVER,
    path.join(root, 'src/Milvus.Akka.Server/bin/Release/net10.0/Milvus.Akka.Server.dll'),
    path.join(root, 'src/Milvus.Akka.Server/bin/Debug/net10.0/Milvus.Akka.Server.dll'),
  ].filter(Boolean);
  const found = candidates.find(p => fs.existsSync(p));
  if (!found) {
    throw new Error(`no built server: build src/Milvus.Akka.Server or set MILVUS_AKKA_SERVER (looked in ${candidates.join(', ')})`);
  }
  return found;
}

function waitForPort(port, child, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(new Error(`the server exited with code ${child.exitCode}`));
        return;
      }
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve();
      });
      socket.on('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`the server did not listen on ${port} within ${deadlineMs} ms`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

/** Returns { address, objectsDir (the server's object storage directory, when known), stop() }. */
async function startServer() {
  if (process.env.MILVUS_ADDRESS) {
    return { address: process.env.MILVUS_ADDRESS, objectsDir: process.env.MILVUS_OBJECTS_DIR, stop: async () => {} };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'milvus-akka-compat-'));
  const grpcPort = await freePort();
  const config = path.join(dataDir, 'test.hocon');
  fs.writeFileSync(config, `milvus.proxy.grpc.port = ${grpcPort}\nmilvus.management.port = 0\nmilvus.query.register-interval = 500ms\nmilvus.data.poll-interval = 500ms\nakka.loglevel = WARNING\n`);
  const child = spawn('dotnet', [serverDll(), '--data-dir', path.join(dataDir, 'data'), '--config', config], { stdio: ['ignore', 'inherit', 'inherit'] });
  await waitForPort(grpcPort, child, 60_000);
  return {
    address: `127.0.0.1:${grpcPort}`,
    // The embedded object store (milvus.storage.local.root): where bulk-import files are put.
    objectsDir: path.join(dataDir, 'data', 'objects'),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise(resolve => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a server before the calling file's tests and hands a connected SDK client (and the server) to <onConnected>;
 * both are closed after the tests.
 */
function serverWithClient(MilvusClient, onConnected) {
  let server;
  let client;
  before(async () => {
    server = await startServer();
    client = new MilvusClient({ address: server.address, timeout: 60_000 });
    await client.connectPromise;
    onConnected(client, server);
  });
  after(async () => {
    if (client) await client.closeConnection();
    if (server) await server.stop();
  });
}

module.exports = { serverWithClient };
