import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { UpdraftError } from '@updraft/protocol';
import { NodeTransport } from '../src/ports/node/transport.js';
import { tempDir } from './helpers/setup.js';

let server: Server;
let base: string;
let otherOrigin: string;

before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/ok') return void res.end('hello');
    if (path === '/redirect') return void res.writeHead(302, { location: '/ok' }).end();
    if (path === '/redirect-absolute') return void res.writeHead(307, { location: `${base}/ok` }).end();
    if (path === '/redirect-away') return void res.writeHead(302, { location: `${otherOrigin}/ok` }).end();
    if (path === '/redirect-loop') return void res.writeHead(302, { location: '/redirect-loop' }).end();
    if (path === '/big-declared') return void res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
    if (path === '/big-chunked') {
      res.writeHead(200);
      for (let i = 0; i < 50; i++) res.write('x'.repeat(100));
      return void res.end();
    }
    if (path === '/gzip') {
      return void res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('z'.repeat(1000)));
    }
    if (path === '/stall') {
      res.writeHead(200);
      res.write('partial'); // and then nothing
      return;
    }
    if (path === '/slow-steady') {
      res.writeHead(200);
      let n = 0;
      const timer = setInterval(() => {
        res.write('.');
        if (++n === 6) {
          clearInterval(timer);
          res.end();
        }
      }, 60);
      return;
    }
    res.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  otherOrigin = `http://localhost:${port}`; // same machine, another origin
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const t = new NodeTransport();
const opts = { maxBytes: 1000, timeoutMs: 2000 };
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function rejectsWith(promise: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof UpdraftError && err.reason === reason);
}

test('fetchBytes returns the body and the status', async () => {
  const ok = await t.fetchBytes(`${base}/ok`, opts);
  assert.equal(ok.status, 200);
  assert.equal(text(ok.bytes), 'hello');
  assert.equal((await t.fetchBytes(`${base}/missing`, opts)).status, 404);
});

test('same-origin redirects are followed, relative or absolute', async () => {
  assert.equal(text((await t.fetchBytes(`${base}/redirect`, opts)).bytes), 'hello');
  assert.equal(text((await t.fetchBytes(`${base}/redirect-absolute`, opts)).bytes), 'hello');
});

test('a redirect to another origin is insecure-url; a loop is network', async () => {
  await rejectsWith(t.fetchBytes(`${base}/redirect-away`, opts), 'insecure-url');
  await rejectsWith(t.fetchBytes(`${base}/redirect-loop`, opts), 'network');
});

test('a body past maxBytes is length, declared or streamed', async () => {
  await rejectsWith(t.fetchBytes(`${base}/big-declared`, opts), 'length');
  await rejectsWith(t.fetchBytes(`${base}/big-chunked`, opts), 'length');
});

test('maxBytes counts decoded bytes of a compressed body', async () => {
  assert.equal((await t.fetchBytes(`${base}/gzip`, opts)).bytes.length, 1000);
  await rejectsWith(t.fetchBytes(`${base}/gzip`, { ...opts, maxBytes: 999 }), 'length');
});

test('a stalled body is timeout; a slow but steady one is not', async () => {
  await rejectsWith(t.fetchBytes(`${base}/stall`, { ...opts, timeoutMs: 150 }), 'timeout');
  const slow = await t.fetchBytes(`${base}/slow-steady`, { ...opts, timeoutMs: 200 });
  assert.equal(text(slow.bytes), '......');
});

test('a refused connection is network', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  await rejectsWith(t.fetchBytes(`http://127.0.0.1:${port}/ok`, opts), 'network');
});

test('downloadToFile streams to the file and reports progress', async () => {
  const dir = await tempDir();
  const dest = join(dir, 'file');
  const progress: number[] = [];
  const res = await t.downloadToFile(`${base}/redirect`, dest, { ...opts, onProgress: (n) => progress.push(n) });
  // The SHA-256 is computed while writing, so the engine need not read the file again.
  assert.deepEqual(res, {
    status: 200,
    bytesWritten: 5,
    sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
  });
  assert.equal(await readFile(dest, 'utf8'), 'hello');
  assert.equal(progress.at(-1), 5);
});

test('downloadToFile past maxBytes is length and leaves no file', async () => {
  const dest = join(await tempDir(), 'file');
  await rejectsWith(t.downloadToFile(`${base}/big-chunked`, dest, opts), 'length');
  await assert.rejects(stat(dest), { code: 'ENOENT' });
  assert.deepEqual(await t.downloadToFile(`${base}/missing`, dest, opts), { status: 404, bytesWritten: 0 });
  await assert.rejects(stat(dest), { code: 'ENOENT' });
});
