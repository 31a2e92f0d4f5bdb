import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { UpdraftError } from '@updraft/protocol';
import { NodeTransport } from '../src/ports/node/transport.js';
import { tempDir } from './helpers/setup.js';

// Servers and CDNs may send release files br/gzip-encoded; the device must hash and cap the
// decoded bytes, which are what the signed metadata describes.

const body = 'console.log("compressible");\n'.repeat(500);
// A 7,000-byte PNG: gzip makes it longer, as a buffering proxy (nginx, a CDN) sends it.
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(7000 - 8)]);
const pngGzipped = gzipSync(png, { level: 9 });
let server: Server;
let base: string;
let seenAcceptEncoding = '';

before(async () => {
  server = createServer((req, res) => {
    seenAcceptEncoding = String(req.headers['accept-encoding'] ?? '');
    if (req.url === '/br') return void res.writeHead(200, { 'content-encoding': 'br' }).end(brotliCompressSync(body));
    // What nginx sends with `gzip on` and proxy buffering: the whole encoded body, with its length.
    if (req.url === '/png-via-proxy') {
      return void res
        .writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(pngGzipped.length) })
        .end(pngGzipped);
    }
    // Declares an encoded body far larger than any encoding of a file within the cap could be.
    if (req.url === '/huge-encoded') {
      return void res
        .writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(10 * 1024 * 1024) })
        .end(pngGzipped);
    }
    // 1 MiB of zeros in ~1 KiB on the wire: only a cap on decoded bytes stops it.
    if (req.url === '/bomb') {
      return void res.writeHead(200, { 'content-encoding': 'br' }).end(brotliCompressSync(Buffer.alloc(1 << 20)));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('br-encoded downloads are decoded; the file on disk hashes to the signed (decoded) hash', async () => {
  const dir = await tempDir();
  const t = new NodeTransport();
  const dest = join(dir, 'file');
  const res = await t.downloadToFile(`${base}/br`, dest, { maxBytes: body.length, timeoutMs: 5000 });
  assert.equal(res.bytesWritten, body.length);
  const onDisk = await readFile(dest);
  assert.equal(createHash('sha256').update(onDisk).digest('hex'), createHash('sha256').update(body).digest('hex'));
  assert.match(seenAcceptEncoding, /br/, 'the device offers br, so servers and CDNs can use it');
});

test('a compression bomb is cut at the decoded size cap (length), not at its wire size', async () => {
  const t = new NodeTransport();
  await assert.rejects(t.fetchBytes(`${base}/bomb`, { maxBytes: 64 * 1024, timeoutMs: 5000 }), (err: unknown) => {
    assert.ok(err instanceof UpdraftError);
    assert.equal(err.reason, 'length');
    return true;
  });
});

test('a buffering proxy that gzips a PNG and sets Content-Length: the cap applies to the decoded 7,000 bytes', async () => {
  assert.ok(pngGzipped.length > png.length, 'gzip makes random bytes longer');
  const dir = await tempDir();
  const t = new NodeTransport();
  const dest = join(dir, 'logo.png');
  const res = await t.downloadToFile(`${base}/png-via-proxy`, dest, { maxBytes: png.length, timeoutMs: 5000 });
  assert.equal(res.bytesWritten, png.length);
  assert.deepEqual(await readFile(dest), png);
  const fetched = await t.fetchBytes(`${base}/png-via-proxy`, { maxBytes: png.length, timeoutMs: 5000 });
  assert.deepEqual(Buffer.from(fetched.bytes), png);
});

test('an encoded body declared far beyond any encoding of the allowed size is refused before reading (length)', async () => {
  const t = new NodeTransport();
  await assert.rejects(
    t.fetchBytes(`${base}/huge-encoded`, { maxBytes: png.length, timeoutMs: 5000 }),
    (err: unknown) => {
      assert.ok(err instanceof UpdraftError);
      assert.equal(err.reason, 'length');
      return true;
    },
  );
});
