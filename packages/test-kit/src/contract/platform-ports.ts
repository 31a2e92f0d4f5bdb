import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { UpdraftError, type ReasonCode } from '@updraft/protocol';
import type { Hasher, Storage, Transport } from '@updraft/client';

/**
 * The behaviour every platform's ports must have (ports.ts), run against each binding: the
 * Node adapter, React Native (through its fake native platform) and Capacitor (through its
 * fake plugins). A binding that fails a case here breaks the engine on that platform.
 */
export interface PlatformPorts {
  storage: Storage;
  transport: Transport;
  hasher: Hasher;
  cleanup(): Promise<void>;
}

export interface PortsBinding {
  name: string;
  /** Ports over a fresh, empty device folder. */
  create(): Promise<PlatformPorts>;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The file every download case fetches: big enough for several network chunks. */
const FILE = new Uint8Array(randomBytes(300_000));
const ETAG = `"${sha(FILE).slice(0, 16)}"`;

interface Origin {
  url: string;
  requests: { url: string; range: string | undefined }[];
}

function route(origin: Origin, away: () => string, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  origin.requests.push({ url: path ?? '', range: req.headers.range });
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  switch (path) {
    case '/file': {
      if (range) {
        const start = Number(range[1]);
        res.writeHead(206, {
          'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}`,
          'content-length': FILE.length - start,
          etag: ETAG,
        });
        return void res.end(FILE.subarray(start));
      }
      res.writeHead(200, { 'content-length': FILE.length, etag: ETAG });
      return void res.end(FILE);
    }
    case '/no-range':
      res.writeHead(200, { etag: ETAG });
      return void res.end(FILE);
    case '/other-range': {
      // Answers another range than the one asked: its bytes belong elsewhere in the file.
      const start = Math.max(0, Number(range?.[1] ?? 0) - 50);
      res.writeHead(206, { 'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}` });
      return void res.end(FILE.subarray(start));
    }
    case '/small':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"ok":true}');
    case '/empty':
      res.writeHead(200, { 'content-length': 0 });
      return void res.end();
    case '/gzip':
      res.writeHead(200, { 'content-encoding': 'gzip' });
      return void res.end(gzipSync(FILE));
    case '/busy':
      res.writeHead(503, { 'retry-after': '7' });
      return void res.end('busy');
    case '/same-origin-redirect':
      res.writeHead(302, { location: '/file' });
      return void res.end();
    case '/cross-origin-redirect':
      res.writeHead(302, { location: `${away()}/file` });
      return void res.end();
    case '/short':
      // Announces the whole file, sends half, then the connection drops.
      res.writeHead(200, { 'content-length': FILE.length });
      res.write(FILE.subarray(0, FILE.length / 2));
      return void setTimeout(() => res.socket?.destroy(), 50);
    case '/stall':
      res.writeHead(200, { 'content-length': FILE.length });
      return void res.flushHeaders();
    default:
      res.writeHead(404);
      return void res.end('not found');
  }
}

export function platformPortsContract(binding: PortsBinding): void {
  const servers: Server[] = [];
  const origin: Origin = { url: '', requests: [] };
  let awayUrl = '';
  let closedUrl = '';

  before(async () => {
    const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> => {
      const server = createServer(handler);
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    origin.url = await listen((req, res) => route(origin, () => awayUrl, req, res));
    // Another origin (another port) that would serve the file too.
    awayUrl = await listen((_req, res) => res.writeHead(200).end(FILE));
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closed.close(() => r()));
  });

  after(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  const withPorts = (name: string, body: (ports: PlatformPorts) => Promise<void>) =>
    test(`${binding.name} ports: ${name}`, async () => {
      const ports = await binding.create();
      try {
        await body(ports);
      } finally {
        await ports.cleanup();
      }
    });

  const rejectsWith = async (promise: Promise<unknown>, reason: ReasonCode) =>
    assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof UpdraftError, `an UpdraftError, not ${String(err)}`);
      assert.equal(err.reason, reason, err.message);
      return true;
    });

  const fetchOptions = { maxBytes: 1_000_000, timeoutMs: 10_000 };

  /** A download destination in a folder that exists, as the engine gives it. */
  const destination = async (storage: Storage, name = 'file.part') => {
    await storage.mkdirp('downloads');
    return { path: `downloads/${name}`, abs: storage.resolve(`downloads/${name}`) };
  };

  // Storage

  withPorts('storage: missing paths read as absent, and removing them is quiet', async ({ storage }) => {
    assert.equal(await storage.readFile('nope.json'), null);
    assert.equal(await storage.readFile('no/such/folder/file'), null);
    assert.equal(await storage.exists('nope.json'), false);
    assert.equal(await storage.exists('no/such/folder'), false);
    assert.deepEqual(await storage.listDir('nope'), []);
    await storage.remove('nope');
    await storage.remove('no/such/folder');
    if (storage.fileSize) assert.equal(await storage.fileSize('nope.json'), null);
    await assert.rejects(storage.copyFile('nope.json', 'copy.json'));
    await assert.rejects(storage.rename('nope.json', 'other.json'));
  });

  withPorts('storage: writeFileAtomic creates folders, replaces content, leaves no temp file', async ({ storage }) => {
    await storage.writeFileAtomic('a/b/state.json', utf8('one'));
    assert.deepEqual(await storage.readFile('a/b/state.json'), utf8('one'));
    await storage.writeFileAtomic('a/b/state.json', utf8('two, longer than one'));
    assert.deepEqual(await storage.readFile('a/b/state.json'), utf8('two, longer than one'));
    await storage.writeFileAtomic('a/b/state.json', utf8('3'));
    assert.deepEqual(await storage.readFile('a/b/state.json'), utf8('3'), 'a shorter content leaves no old tail');
    assert.deepEqual(await storage.listDir('a/b'), ['state.json']);
    assert.deepEqual(await storage.listDir('a'), ['b']);
    await storage.writeFileAtomic('empty', new Uint8Array(0));
    assert.deepEqual(await storage.readFile('empty'), new Uint8Array(0));
    assert.equal(await storage.exists('empty'), true);
    const big = new Uint8Array(randomBytes(2 * 1024 * 1024 + 3));
    await storage.writeFileAtomic('big.bin', big);
    assert.equal(sha((await storage.readFile('big.bin'))!), sha(big));
  });

  withPorts('storage: mkdirp is recursive and idempotent; listDir is sorted', async ({ storage }) => {
    await storage.mkdirp('x/y/z');
    await storage.mkdirp('x/y/z');
    await storage.mkdirp('x/y');
    assert.equal(await storage.exists('x/y/z'), true);
    await storage.writeFileAtomic('x/b.txt', utf8('b'));
    await storage.writeFileAtomic('x/a.txt', utf8('a'));
    await storage.writeFileAtomic('x/c.txt', utf8('c'));
    assert.deepEqual(await storage.listDir('x'), ['a.txt', 'b.txt', 'c.txt', 'y']);
    assert.deepEqual(await storage.listDir('x/y/z'), []);
  });

  withPorts('storage: rename moves files and whole folders to a new name', async ({ storage }) => {
    await storage.writeFileAtomic('staging/r1/index.js', utf8('js'));
    await storage.writeFileAtomic('staging/r1/assets/icon.png', utf8('png'));
    await storage.mkdirp('releases');
    await storage.rename('staging/r1', 'releases/r1');
    assert.equal(await storage.exists('staging/r1'), false);
    assert.deepEqual(await storage.listDir('releases/r1'), ['assets', 'index.js']);
    assert.deepEqual(await storage.readFile('releases/r1/assets/icon.png'), utf8('png'));
    await storage.writeFileAtomic('downloads/f.part', utf8('part'));
    await storage.rename('downloads/f.part', 'releases/r1/f.js', { durable: false });
    assert.deepEqual(await storage.readFile('releases/r1/f.js'), utf8('part'));
    assert.deepEqual(await storage.listDir('downloads'), []);
    if (storage.syncTree) await storage.syncTree('releases');
  });

  withPorts('storage: copyFile copies and keeps the source; remove is recursive', async ({ storage }) => {
    await storage.writeFileAtomic('r1/main.js', utf8('main'));
    await storage.mkdirp('r2');
    await storage.copyFile('r1/main.js', 'r2/main.js');
    assert.deepEqual(await storage.readFile('r2/main.js'), utf8('main'));
    assert.deepEqual(await storage.readFile('r1/main.js'), utf8('main'));
    await storage.writeFileAtomic('r1/deep/er/file', utf8('x'));
    await storage.remove('r1');
    assert.equal(await storage.exists('r1'), false);
    assert.equal(await storage.exists('r1/deep/er/file'), false);
    await storage.remove('r2/main.js');
    assert.deepEqual(await storage.listDir('r2'), []);
  });

  withPorts('storage: fileSize of files, and null for folders', async ({ storage }) => {
    if (!storage.fileSize) return;
    await storage.writeFileAtomic('f/a.bin', new Uint8Array(1234));
    await storage.writeFileAtomic('f/empty', new Uint8Array(0));
    assert.equal(await storage.fileSize('f/a.bin'), 1234);
    assert.equal(await storage.fileSize('f/empty'), 0);
    assert.equal(await storage.fileSize('f'), null);
  });

  withPorts('storage: optional capabilities answer sensibly when a binding has them', async ({ storage }) => {
    if (storage.writeFileChunks) {
      await storage.mkdirp('patched');
      await storage.writeFileChunks('patched/out.js', [utf8('a'), new Uint8Array(0), utf8('bc')]);
      assert.deepEqual(await storage.readFile('patched/out.js'), utf8('abc'));
    }
    if (storage.freeBytes) {
      const free = await storage.freeBytes();
      assert.ok(free === null || (Number.isFinite(free) && free > 0), `freeBytes: ${free}`);
    }
    if (storage.readExternal) {
      await storage.writeFileAtomic('embedded.js', utf8('embedded'));
      assert.deepEqual(await storage.readExternal(storage.resolve('embedded.js')), utf8('embedded'));
      assert.equal(await storage.readExternal(storage.resolve('not-there.js')), null);
    }
  });

  withPorts('storage: resolve never leaves the device folder', async ({ storage }) => {
    const inside = storage.resolve('releases/r1/index.js');
    assert.ok(inside.endsWith('/releases/r1/index.js'), inside);
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a\\b', '', './a', 'a/.']) {
      assert.throws(() => storage.resolve(bad), /storage path/, bad);
    }
  });

  // Hasher

  withPorts('hasher: SHA-256 of an empty file, a small one and a large one', async ({ storage, hasher }) => {
    await storage.writeFileAtomic('h/empty', new Uint8Array(0));
    assert.equal(await hasher.sha256File(storage.resolve('h/empty')), EMPTY_SHA256);
    await storage.writeFileAtomic('h/abc', utf8('abc'));
    assert.equal(
      await hasher.sha256File(storage.resolve('h/abc')),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    const large = new Uint8Array(5 * 1024 * 1024 + 17).map((_, i) => (i * 31) % 251);
    await storage.writeFileAtomic('h/large', large);
    assert.equal(await hasher.sha256File(storage.resolve('h/large')), sha(large));
    await assert.rejects(hasher.sha256File(storage.resolve('h/missing')));
  });

  // Transport: fetchBytes

  withPorts('transport: fetchBytes answers 200 with the body, other statuses without', async ({ transport }) => {
    const ok = await transport.fetchBytes(`${origin.url}/small`, fetchOptions);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.bytes, utf8('{"ok":true}'));
    const empty = await transport.fetchBytes(`${origin.url}/empty`, fetchOptions);
    assert.deepEqual([empty.status, empty.bytes.length], [200, 0]);
    const missing = await transport.fetchBytes(`${origin.url}/missing`, fetchOptions);
    assert.equal(missing.status, 404);
    const busy = await transport.fetchBytes(`${origin.url}/busy`, fetchOptions);
    assert.equal(busy.status, 503);
    const gz = await transport.fetchBytes(`${origin.url}/gzip`, fetchOptions);
    assert.equal(sha(gz.bytes), sha(FILE), 'a compressed answer is decoded');
  });

  withPorts('transport: fetchBytes refuses a body over maxBytes (length)', async ({ transport }) => {
    await rejectsWith(transport.fetchBytes(`${origin.url}/file`, { ...fetchOptions, maxBytes: 1000 }), 'length');
    await rejectsWith(transport.fetchBytes(`${origin.url}/no-range`, { ...fetchOptions, maxBytes: 1000 }), 'length');
    const exact = await transport.fetchBytes(`${origin.url}/file`, { ...fetchOptions, maxBytes: FILE.length });
    assert.equal(exact.bytes.length, FILE.length);
  });

  withPorts('transport: redirects stay on their origin (insecure-url otherwise)', async ({ transport }) => {
    const same = await transport.fetchBytes(`${origin.url}/same-origin-redirect`, fetchOptions);
    assert.equal(same.status, 200);
    assert.equal(sha(same.bytes), sha(FILE));
    await rejectsWith(transport.fetchBytes(`${origin.url}/cross-origin-redirect`, fetchOptions), 'insecure-url');
  });

  withPorts('transport: an unreachable server is network; a stalled one is timeout', async ({ transport }) => {
    await rejectsWith(transport.fetchBytes(`${closedUrl}/file`, fetchOptions), 'network');
    await rejectsWith(transport.fetchBytes(`${origin.url}/stall`, { ...fetchOptions, timeoutMs: 300 }), 'timeout');
  });

  // Transport: downloadToFile

  withPorts('transport: downloadToFile writes the whole file', async ({ storage, transport }) => {
    const dest = await destination(storage);
    const seen: number[] = [];
    const res = await transport.downloadToFile(`${origin.url}/file`, dest.abs, {
      ...fetchOptions,
      onProgress: (n) => seen.push(n),
    });
    assert.equal(res.status, 200);
    assert.equal(res.bytesWritten, FILE.length);
    if (res.sha256 !== undefined) assert.equal(res.sha256, sha(FILE));
    assert.equal(sha((await storage.readFile(dest.path))!), sha(FILE));
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, 'progress only grows');
    assert.ok(seen.every((n) => n <= FILE.length));
    // Over an existing file (a failed earlier attempt) the download starts afresh.
    await storage.writeFileAtomic(dest.path, utf8('stale bytes from before'));
    const again = await transport.downloadToFile(`${origin.url}/file`, dest.abs, fetchOptions);
    assert.equal(again.bytesWritten, FILE.length);
    assert.equal(sha((await storage.readFile(dest.path))!), sha(FILE));
  });

  withPorts('transport: downloadToFile of an empty body writes an empty file', async ({ storage, transport }) => {
    const dest = await destination(storage);
    const res = await transport.downloadToFile(`${origin.url}/empty`, dest.abs, fetchOptions);
    assert.deepEqual([res.status, res.bytesWritten], [200, 0]);
    assert.deepEqual(await storage.readFile(dest.path), new Uint8Array(0));
  });

  withPorts('transport: a resumed download asks for the rest and appends it (206)', async ({ storage, transport }) => {
    const dest = await destination(storage);
    const offset = 100_000;
    await storage.writeFileAtomic(dest.path, FILE.subarray(0, offset));
    const before = origin.requests.length;
    const res = await transport.downloadToFile(`${origin.url}/file`, dest.abs, { ...fetchOptions, offset });
    assert.equal(origin.requests.at(before)?.range, `bytes=${offset}-`, 'the Range header asks for the rest');
    assert.equal(res.status, 206);
    assert.equal(res.bytesWritten, FILE.length, 'the length of the whole file, not of the rest');
    assert.equal(sha((await storage.readFile(dest.path))!), sha(FILE));
  });

  withPorts(
    'transport: a server that ignores Range (200) rewrites the file from the start',
    async ({ storage, transport }) => {
      const dest = await destination(storage);
      await storage.writeFileAtomic(dest.path, FILE.subarray(0, 1000));
      const res = await transport.downloadToFile(`${origin.url}/no-range`, dest.abs, { ...fetchOptions, offset: 1000 });
      assert.equal(res.status, 200);
      assert.equal(res.bytesWritten, FILE.length);
      assert.equal(sha((await storage.readFile(dest.path))!), sha(FILE));
    },
  );

  withPorts('transport: a 206 for another range than asked is not appended', async ({ storage, transport }) => {
    const dest = await destination(storage);
    const offset = 1000;
    await storage.writeFileAtomic(dest.path, FILE.subarray(0, offset));
    const res = await transport.downloadToFile(`${origin.url}/other-range`, dest.abs, { ...fetchOptions, offset });
    const held = (await storage.readFile(dest.path))!;
    assert.ok(
      sha(held) === sha(FILE) || sha(held) === sha(FILE.subarray(0, offset)),
      `the destination holds the old part or the whole file, not ${held.length} misplaced bytes`,
    );
    if (res.status === 200 || res.bytesWritten > 0) assert.equal(res.bytesWritten, held.length, 'and says so');
  });

  withPorts(
    'transport: downloadToFile statuses other than 200/206 leave the file as it was',
    async ({ storage, transport }) => {
      const dest = await destination(storage);
      await storage.writeFileAtomic(dest.path, utf8('partial'));
      const missing = await transport.downloadToFile(`${origin.url}/missing`, dest.abs, fetchOptions);
      assert.deepEqual([missing.status, missing.bytesWritten], [404, 0]);
      const busy = await transport.downloadToFile(`${origin.url}/busy`, dest.abs, { ...fetchOptions, offset: 7 });
      assert.deepEqual([busy.status, busy.bytesWritten], [503, 0]);
      if (busy.retryAfterMs !== undefined) assert.equal(busy.retryAfterMs, 7000);
      assert.deepEqual(await storage.readFile(dest.path), utf8('partial'));
    },
  );

  withPorts('transport: a failed download leaves no file beside the destination', async ({ storage, transport }) => {
    const dest = await destination(storage);
    const leftovers = async () => (await storage.listDir('downloads')).filter((n) => n !== 'file.part');
    const failing: [string, Partial<typeof fetchOptions> & { offset?: number }][] = [
      ['/file', { maxBytes: 1000 }], // too long
      ['/file', { offset: 100, maxBytes: 1000 }], // too long, resumed
      ['/short', {}], // the connection drops
      ['/stall', { timeoutMs: 300 }],
      ['/cross-origin-redirect', {}],
    ];
    for (const [path, options] of failing) {
      await assert.rejects(transport.downloadToFile(`${origin.url}${path}`, dest.abs, { ...fetchOptions, ...options }));
      assert.deepEqual(await leftovers(), [], `after ${path} ${JSON.stringify(options)}`);
    }
    for (const path of ['/missing', '/busy']) {
      const res = await transport.downloadToFile(`${origin.url}${path}`, dest.abs, fetchOptions);
      assert.equal(res.bytesWritten, 0);
      assert.deepEqual(await leftovers(), [], `after ${path}`);
    }
  });

  withPorts("transport: downloadToFile errors map to the engine's reasons", async ({ storage, transport }) => {
    const dest = await destination(storage);
    await rejectsWith(
      transport.downloadToFile(`${origin.url}/file`, dest.abs, { ...fetchOptions, maxBytes: 1000 }),
      'length',
    );
    await rejectsWith(
      transport.downloadToFile(`${origin.url}/file`, dest.abs, { ...fetchOptions, offset: 100, maxBytes: 1000 }),
      'length',
    );
    await rejectsWith(transport.downloadToFile(`${origin.url}/short`, dest.abs, fetchOptions), 'network');
    await rejectsWith(transport.downloadToFile(`${closedUrl}/file`, dest.abs, fetchOptions), 'network');
    await rejectsWith(
      transport.downloadToFile(`${origin.url}/cross-origin-redirect`, dest.abs, fetchOptions),
      'insecure-url',
    );
    await rejectsWith(
      transport.downloadToFile(`${origin.url}/stall`, dest.abs, { ...fetchOptions, timeoutMs: 300 }),
      'timeout',
    );
    const followed = await transport.downloadToFile(`${origin.url}/same-origin-redirect`, dest.abs, fetchOptions);
    assert.equal(followed.bytesWritten, FILE.length);
    assert.equal(sha((await storage.readFile(dest.path))!), sha(FILE));
  });
}
