import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { skipOrFail } from '../../../../test/helpers/services.js';
import { BlobError, type BlobStore } from '../../src/index.js';

/** The behaviour every BlobStore must have, run against each backend (folder, S3). */
export interface BlobBackend {
  name: string;
  /** An empty store, or a reason string when the backend cannot run here. */
  newStore(): Promise<
    | {
        store: BlobStore;
        /** Puts other bytes under a blob's name behind the store's back (a disk or bucket gone bad). */
        damage(sha256: string, bytes: Uint8Array): Promise<void>;
        cleanup(): Promise<void>;
      }
    | string
  >;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A stream that yields `bytes` in chunks of `chunk`, like an HTTP upload. */
function chunked(bytes: Uint8Array, chunk = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    })(),
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

export function blobStoreContract(backend: BlobBackend): void {
  const withStore = (
    name: string,
    body: (store: BlobStore, damage: (sha256: string, bytes: Uint8Array) => Promise<void>) => Promise<void>,
  ) =>
    test(`${backend.name} blob store: ${name}`, async (t) => {
      const s = await backend.newStore();
      if (typeof s === 'string') return skipOrFail(t, `${backend.name} blob store`, s);
      try {
        await body(s.store, s.damage);
      } finally {
        await s.cleanup();
      }
    });

  withStore('put, has, stat, get, stream, range, delete', async (store) => {
    const bytes = randomBytes(1000);
    const h = sha(bytes);
    assert.equal(await store.has(h), false);
    assert.equal(await store.stat(h), null);
    assert.equal(await store.get(h), null);
    assert.equal(await store.createReadStream(h), null);
    assert.deepEqual(await store.put(h, bytes, { maxBytes: 10_000 }), { sha256: h, length: 1000 });
    assert.equal(await store.has(h), true);
    assert.deepEqual(await store.stat(h), { length: 1000 });
    assert.deepEqual(Buffer.from((await store.get(h))!), bytes);
    const whole = (await store.createReadStream(h))!;
    assert.equal(whole.length, 1000);
    assert.deepEqual(await readAll(whole.stream), bytes);
    const part = (await store.createReadStream(h, { start: 10, end: 19 }))!;
    assert.equal(part.length, 10);
    assert.deepEqual(await readAll(part.stream), bytes.subarray(10, 20));
    await store.delete(h);
    await store.delete(h);
    assert.equal(await store.has(h), false);
  });

  withStore('a stream whose bytes do not match the name is refused and leaves nothing', async (store) => {
    const bytes = randomBytes(5000);
    const wrong = sha(randomBytes(10));
    await assert.rejects(store.put(wrong, chunked(bytes, 1000), { maxBytes: 1e6 }), (err: unknown) => {
      assert.ok(err instanceof BlobError);
      assert.equal(err.code, 'hash-mismatch');
      return true;
    });
    assert.equal(await store.has(wrong), false);
  });

  withStore('a blob over maxBytes is refused and leaves nothing', async (store) => {
    const bytes = randomBytes(5000);
    await assert.rejects(store.put(sha(bytes), chunked(bytes, 1000), { maxBytes: 4999 }), (err: unknown) => {
      assert.ok(err instanceof BlobError);
      assert.equal(err.code, 'too-large');
      return true;
    });
    assert.equal(await store.has(sha(bytes)), false);
  });

  withStore(
    'a large streamed blob (several upload parts) round-trips; a wrong large one leaves nothing',
    async (store) => {
      const bytes = randomBytes(11 * 1024 * 1024 + 123);
      const h = sha(bytes);
      assert.deepEqual(await store.put(h, chunked(bytes), { maxBytes: 20 * 1024 * 1024 }), {
        sha256: h,
        length: bytes.length,
      });
      assert.equal((await store.stat(h))?.length, bytes.length);
      const got = (await store.createReadStream(h))!;
      assert.equal(sha(await readAll(got.stream)), h);
      const tail = (await store.createReadStream(h, { start: bytes.length - 100, end: bytes.length - 1 }))!;
      assert.deepEqual(await readAll(tail.stream), bytes.subarray(bytes.length - 100));

      const other = randomBytes(11 * 1024 * 1024);
      other[other.length - 1] = (other[other.length - 1] ?? 0) ^ 1;
      const claimed = sha(randomBytes(8));
      await assert.rejects(store.put(claimed, chunked(other), { maxBytes: 20 * 1024 * 1024 }), /hash/);
      assert.equal(await store.has(claimed), false);
    },
  );

  withStore('storing an existing blob again is checked and harmless', async (store) => {
    const bytes = randomBytes(300);
    const h = sha(bytes);
    await store.put(h, bytes, { maxBytes: 1000 });
    await store.put(h, chunked(bytes, 7), { maxBytes: 1000 });
    await assert.rejects(store.put(h, randomBytes(300), { maxBytes: 1000 }), /hash/);
    assert.deepEqual(Buffer.from((await store.get(h))!), bytes, 'the stored blob is untouched');
  });

  withStore(
    'a damaged copy under the name is replaced by storing the blob again; ping answers',
    async (store, damage) => {
      await store.ping();
      const bytes = randomBytes(20_021);
      const h = sha(bytes);
      await store.put(h, bytes, { maxBytes: 100_000 });
      await damage(h, bytes.subarray(0, 8192));
      assert.equal((await store.stat(h))?.length, 8192, 'the damage is visible to stat');
      await store.put(h, chunked(bytes, 4096), { maxBytes: 100_000 });
      assert.equal((await store.stat(h))?.length, bytes.length);
      assert.equal(sha(Buffer.from((await store.get(h))!)), h, 'the blob is whole again');
    },
  );

  withStore('names that are not lower-case SHA-256 hex are refused', async (store) => {
    for (const bad of ['../etc/passwd', 'A'.repeat(64), 'a'.repeat(63), '']) {
      await assert.rejects(store.has(bad), (err: unknown) => err instanceof BlobError && err.code === 'invalid-hash');
    }
  });
}
