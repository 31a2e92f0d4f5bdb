import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { createNodeClient } from '../src/ports/node/node-adapter.js';
import { TestRepo } from '@updraft/test-kit/test-repo';
import { tempDir } from './helpers/setup.js';

/** The whole Node client over real HTTP on 127.0.0.1, against a repository served as static files. */

let server: Server | undefined;
after(() => {
  server?.closeAllConnections();
  server?.close();
});

async function serve(): Promise<TestRepo> {
  const http = createServer();
  server = http;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const repo = new TestRepo(`http://127.0.0.1:${(http.address() as AddressInfo).port}`);
  http.on('request', (req, res) => {
    const path = req.url ?? '/';
    // Payload files live behind a same-origin redirect, as a CDN-fronted server might do.
    const file = /^\/repo\/[^/]+\/targets\/files\/([0-9a-f]{64})$/.exec(path);
    if (file) return void res.writeHead(302, { location: `/blobs/${file[1]}` }).end();
    const blob = /^\/blobs\/([0-9a-f]{64})$/.exec(path);
    const bytes = repo.files.get(blob ? repo.url(`targets/files/${blob[1]}`) : `${repo.server}${path}`);
    if (!bytes) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': String(bytes.length) }).end(bytes);
  });
  return repo;
}

test('createNodeClient installs, launches and confirms a release over HTTP', async () => {
  const repo = await serve();
  repo.publish({
    releaseId: 'r1',
    versionCode: 1,
    files: { 'main.js': 'export default 1;\n', 'data/a.json': '{}' },
    launch: 'main.js',
  });
  const options = {
    dir: await tempDir(),
    ...repo.deviceTarget(),
    trustedRoot: repo.root(1),
    allowInsecureLocalhost: true,
  };
  const client = createNodeClient(options);

  const result = await client.sync();
  assert.equal(result.status, 'updated', result.message);
  assert.equal(result.bytesDownloaded, 'export default 1;\n'.length + 2);

  const launch = await client.launch();
  assert.equal(await readFile(launch.launchPath!, 'utf8'), 'export default 1;\n');
  await client.notifyAppReady();

  const again = await createNodeClient(options).sync();
  assert.equal(again.status, 'up-to-date');
  assert.equal(again.release, 'r1');
});

test('createNodeClient refuses plain http without the opt-in', async () => {
  const client = createNodeClient({
    dir: await tempDir(),
    server: 'http://127.0.0.1:9',
    appId: 'com.example.app',
    platform: 'node',
    runtimeVersion: '1',
    channel: 'production',
    trustedRoot: new TestRepo().root(1),
  });
  const result = await client.sync();
  assert.equal(result.reason, 'insecure-url');
});
