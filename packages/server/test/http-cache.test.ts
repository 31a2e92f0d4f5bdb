import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { createTrustedApp, prepareRelease, request, sha256, startTestServer, type TestServer } from './helpers.js';

// HTTP caching of the repository: validators, conditional GETs, ranges and content coding.
// Hashes in metadata are over decoded bytes, so every compressed answer is checked by decoding it.

const JS = `/* bundle */\n${'console.log("a fairly compressible line of javascript");\n'.repeat(200)}`;
// An ASCII magic number, since the test helper uploads text: GIF is already compressed.
const GIF = `GIF89a${'x'.repeat(3000)}`;
// A real PNG signature before random bytes, and random bytes with no signature at all: the
// first is skipped by its format, the second because compressing it does not shrink it.
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(6992)]);
const NOISE = randomBytes(20_000);
// Enough files that the release manifest (a small JSON document) is worth compressing.
const ASSETS = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`assets/a${i}.txt`, `asset ${i}`]));

describe('HTTP caching', () => {
  let t: TestServer;
  const appId = 'cache.app';
  let base: string;
  let manifest: Uint8Array;

  before(async () => {
    t = await startTestServer({ timestampCacheMs: 60_000 });
    const { keys } = await createTrustedApp(t, appId);
    const rel = await prepareRelease(t, appId, keys, {
      releaseId: 'r1',
      versionCode: 1,
      files: { 'index.bundle': JS, 'logo.gif': GIF, 'logo.png': PNG, 'noise.bin': NOISE, ...ASSETS },
    });
    manifest = rel.manifestBytes;
    const res = await t.api('POST', `/v1/apps/${appId}/releases`, rel.body);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    base = `${t.url}/repo/${appId}`;
  });
  after(() => t?.stop());

  it('timestamp.json: short max-age and an ETag; If-None-Match answers 304 without a body', async () => {
    const first = await request(`${base}/metadata/timestamp.json`, 'GET');
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('cache-control'), 'public, max-age=10, must-revalidate');
    const etag = first.headers.get('etag')!;
    assert.equal(etag, `"${sha256(first.bytes)}"`);
    // The second answer comes from the in-memory fast path: same headers and bytes.
    const second = await request(`${base}/metadata/timestamp.json`, 'GET');
    assert.deepEqual(second.bytes, first.bytes);
    assert.equal(second.headers.get('etag'), etag);
    assert.equal(second.headers.get('content-type'), first.headers.get('content-type'));
    for (const header of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const r = await request(`${base}/metadata/timestamp.json`, 'GET', undefined, { 'if-none-match': header });
      assert.equal(r.status, 304, header);
      assert.equal(r.bytes.length, 0);
      assert.equal(r.headers.get('etag'), etag);
    }
    const stale = await request(`${base}/metadata/timestamp.json`, 'GET', undefined, { 'if-none-match': '"0000"' });
    assert.equal(stale.status, 200);
  });

  it('a publish through this instance is visible at once despite the timestamp cache', async () => {
    const { keys } = await createTrustedApp(t, 'cache.other');
    const rel = await prepareRelease(t, 'cache.other', keys, { releaseId: 'o1', versionCode: 1 });
    const version = async () => {
      const r = await request(`${t.url}/repo/cache.other/metadata/timestamp.json`, 'GET');
      return JSON.parse(new TextDecoder().decode(r.bytes)).signed.version as number;
    };
    const cached = await version();
    assert.equal(await version(), cached, 'served from the cache');
    assert.equal((await t.api('POST', '/v1/apps/cache.other/releases', rel.body)).status, 201);
    assert.equal(await version(), cached + 1);
  });

  it('immutable metadata: ETag, 304, and br/gzip by Accept-Encoding with the hash over decoded bytes', async () => {
    const plain = await request(`${base}/metadata/1.root.json`, 'GET', undefined, { 'accept-encoding': 'identity' });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.ok(plain.bytes.length >= 1024, 'root is large enough to compress');
    const h = sha256(plain.bytes);
    assert.equal(plain.headers.get('etag'), `"${h}"`);
    assert.equal(plain.headers.get('vary'), 'Accept-Encoding');

    const raw = async (encoding: string) => {
      // undici's fetch would decode for us; read the wire bytes with node:http instead.
      const { get } = await import('node:http');
      return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        get(`${base}/metadata/1.root.json`, { headers: { 'accept-encoding': encoding } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
        }).on('error', reject);
      });
    };
    const br = await raw('gzip, deflate, br');
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers['etag'], `"${h}-br"`);
    assert.ok(br.body.length < plain.bytes.length);
    assert.equal(sha256(brotliDecompressSync(br.body)), h);
    const gz = await raw('gzip;q=1, br;q=0');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(sha256(gunzipSync(gz.body)), h);
    const none = await raw('br;q=0, gzip;q=0');
    assert.equal(none.headers['content-encoding'], undefined);

    const cond = await request(`${base}/metadata/1.root.json`, 'GET', undefined, { 'if-none-match': `"${h}-br"` });
    assert.equal(cond.status, 304);
    assert.equal(cond.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  });

  it('files: immutable, 304 by hash, Range → 206, bad Range → 416, stale If-Range → whole file', async () => {
    const h = sha256(JS);
    const url = `${base}/targets/files/${h}`;
    const whole = await request(url, 'GET', undefined, { 'accept-encoding': 'identity' });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('etag'), `"${h}"`);
    assert.equal(sha256(whole.bytes), h);

    assert.equal((await request(url, 'GET', undefined, { 'if-none-match': `"${h}"` })).status, 304);

    const part = await request(url, 'GET', undefined, { range: 'bytes=10-19' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 10-19/${JS.length}`);
    assert.equal(new TextDecoder().decode(part.bytes), JS.slice(10, 20));
    const suffix = await request(url, 'GET', undefined, { range: 'bytes=-5' });
    assert.equal(suffix.status, 206);
    assert.equal(new TextDecoder().decode(suffix.bytes), JS.slice(-5));
    const open = await request(url, 'GET', undefined, { range: `bytes=${JS.length - 3}-` });
    assert.equal(new TextDecoder().decode(open.bytes), JS.slice(-3));

    const beyond = await request(url, 'GET', undefined, { range: `bytes=${JS.length}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${JS.length}`);

    const staleIfRange = await request(url, 'GET', undefined, {
      range: 'bytes=0-9',
      'if-range': '"someother"',
      'accept-encoding': 'identity',
    });
    assert.equal(staleIfRange.status, 200);
    assert.equal(staleIfRange.bytes.length, JS.length);
    const goodIfRange = await request(url, 'GET', undefined, { range: 'bytes=0-9', 'if-range': `"${h}"` });
    assert.equal(goodIfRange.status, 206);

    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.headers.get('etag'), `"${h}"`);
    assert.equal(head.headers.get('accept-ranges'), 'bytes');
  });

  it('only what the signed metadata names as a document is compressed: release files stream as they are, whatever the URL', async () => {
    const m = sha256(manifest);
    const doc = await fetch(`${base}/targets/manifests/${m}.r1.json`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(doc.headers.get('content-encoding'), 'br', 'the manifest the signed releases names');
    assert.equal(sha256(new Uint8Array(await doc.arrayBuffer())), m, 'fetch decodes; the hash is over decoded bytes');
    for (const path of [`files/${sha256(JS)}`, `manifests/${sha256(JS)}.r1.json`, `files/${sha256(GIF)}`]) {
      const r = await fetch(`${base}/targets/${path}`, { headers: { 'accept-encoding': 'br, gzip' } });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get('content-encoding'), null, `${path}: a release file is sent as it is`);
      assert.equal(r.headers.get('vary'), null, path);
      assert.equal(`"${sha256(new Uint8Array(await r.arrayBuffer()))}"`, r.headers.get('etag'));
    }
  });

  it('targets always carry Content-Length (identity or encoded)', async () => {
    // Raw http: fetch hides Content-Length behind its own decoding.
    const raw = (path: string, acceptEncoding: string) =>
      new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
        get(`${base}/${path}`, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        }).on('error', reject);
      });
    for (const [content, encoding] of [
      [manifest, 'br'],
      [manifest, 'gzip'],
      [Buffer.from(JS), 'br'],
      [PNG, 'br, gzip'],
      [NOISE, 'br, gzip'],
    ] as const) {
      const h = sha256(content);
      const r = await raw(content === manifest ? `targets/manifests/${h}.r1.json` : `targets/files/${h}`, encoding);
      assert.equal(r.headers['transfer-encoding'], undefined, `${encoding}: not chunked`);
      assert.equal(Number(r.headers['content-length']), r.body.length, `${encoding}: Content-Length`);
      const coding = r.headers['content-encoding'];
      const decoded = coding === 'br' ? brotliDecompressSync(r.body) : coding === 'gzip' ? gunzipSync(r.body) : r.body;
      assert.equal(sha256(decoded), h);
      if (content === manifest) assert.equal(coding, encoding, 'a signed document shrinks, so it is encoded');
      else assert.equal(coding, undefined, 'a release file is sent as it is');
    }
  });

  it('misses are never cacheable', async () => {
    for (const path of ['metadata/99.root.json', `targets/files/${'0'.repeat(64)}`, 'metadata/nope.json']) {
      const r = await request(`${base}/${path}`, 'GET');
      assert.equal(r.status, 404);
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
    const unknown = await request(`${t.url}/repo/no.such.app/metadata/timestamp.json`, 'GET');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('cache-control'), 'no-store');
  });
});
