import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { skipOrFail } from '../services.js';
import type { BlobError, BlobStore } from '@updraft/server';

/**
 * By name, not instanceof: the store under test comes from the server's source, this kit sees
 * the server's built types, and the two BlobError classes are different objects.
 */
function isBlobError(err: unknown, code?: BlobError['code']): err is BlobError {
  const e = err as { name?: unknown; code?: unknown } | null;
  return e?.name === 'BlobError' && (code === undefined || e.code === code);
}

/** The behaviour every BlobStore must have, run against each backend (folder, S3). */
export interface BlobBackend {
  name: string;
  /** An empty store, or a reason string when the backend cannot run here. */
  newStore(): Promise<
    | {
        store: BlobStore;
        /** Puts other bytes under a blob's name behind the store's back (a disk or bucket gone bad). */
        damage(sha256: string, bytes: Uint8Array): Promise<void>;
        /** What failed writes may have left in the backend (temp files, open multipart uploads). */
        leftovers(): Promise<string[]>;
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
    body: (
      store: BlobStore,
      damage: (sha256: string, bytes: Uint8Array) => Promise<void>,
      leftovers: () => Promise<string[]>,
    ) => Promise<void>,
  ) =>
    test(`${backend.name} blob store: ${name}`, async (t) => {
      const s = await backend.newStore();
      if (typeof s === 'string') return skipOrFail(t, `${backend.name} blob store`, s);
      try {
        await body(s.store, s.damage, s.leftovers);
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

  withStore(
    'a stream whose bytes do not match the name is refused and leaves nothing',
    async (store, _d, leftovers) => {
      const bytes = randomBytes(5000);
      const wrong = sha(randomBytes(10));
      await assert.rejects(store.put(wrong, chunked(bytes, 1000), { maxBytes: 1e6 }), (err: unknown) => {
        assert.ok(isBlobError(err));
        assert.equal(err.code, 'hash-mismatch');
        return true;
      });
      assert.equal(await store.has(wrong), false);
      assert.deepEqual(await leftovers(), []);
    },
  );

  withStore(
    'a blob over maxBytes is refused and leaves nothing; exactly maxBytes is stored',
    async (store, _d, leftovers) => {
      const bytes = randomBytes(5000);
      const source = chunked(bytes, 1000);
      await assert.rejects(store.put(sha(bytes), source, { maxBytes: 4999 }), (err: unknown) => {
        assert.ok(isBlobError(err));
        assert.equal(err.code, 'too-large');
        assert.equal(err.details.maxBytes, 4999);
        return true;
      });
      assert.equal(source.destroyed, true, 'the refused upload is no longer read');
      assert.equal(await store.has(sha(bytes)), false);
      assert.deepEqual(await leftovers(), []);
      await assert.rejects(store.put(sha(bytes), bytes, { maxBytes: 4999 }), /exceeds 4999 bytes/);
      assert.deepEqual(await store.put(sha(bytes), bytes, { maxBytes: 5000 }), { sha256: sha(bytes), length: 5000 });
    },
  );

  withStore(
    'an upload that breaks off mid-stream fails with its error and leaves nothing',
    async (store, _d, leftovers) => {
      const bytes = randomBytes(3 * 64 * 1024);
      const h = sha(bytes);
      const truncated = Readable.from(
        (async function* () {
          yield bytes.subarray(0, 64 * 1024);
          yield bytes.subarray(64 * 1024, 128 * 1024);
          throw Object.assign(new Error('the client went away'), { code: 'ECONNRESET' });
        })(),
      );
      await assert.rejects(store.put(h, truncated, { maxBytes: 1e6 }), /the client went away/);
      assert.equal(await store.has(h), false);
      assert.deepEqual(await leftovers(), []);
      // A source that simply ends early is a hash mismatch, not a short blob.
      await assert.rejects(store.put(h, chunked(bytes.subarray(0, 100_000)), { maxBytes: 1e6 }), (err: unknown) => {
        return isBlobError(err, 'hash-mismatch');
      });
      assert.equal(await store.stat(h), null);
      assert.deepEqual(await leftovers(), []);
    },
  );

  withStore(
    'concurrent writes of one blob all succeed and leave it whole; a wrong one among them fails',
    async (store, _d, leftovers) => {
      const bytes = randomBytes(200_000);
      const h = sha(bytes);
      const results = await Promise.allSettled([
        store.put(h, chunked(bytes, 10_000), { maxBytes: 1e6 }),
        store.put(h, chunked(bytes, 33_333), { maxBytes: 1e6 }),
        store.put(h, bytes, { maxBytes: 1e6 }),
        store.put(h, chunked(randomBytes(200_000), 10_000), { maxBytes: 1e6 }),
        store.put(h, chunked(bytes, 50_000), { maxBytes: 1e6 }),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
      );
      const refused = results[3] as PromiseRejectedResult;
      assert.ok(isBlobError(refused.reason, 'hash-mismatch'));
      assert.deepEqual(await store.stat(h), { length: bytes.length });
      assert.equal(sha(Buffer.from((await store.get(h))!)), h);
      assert.deepEqual(await leftovers(), []);
    },
  );

  withStore('a missing blob: null from stat, get and streams, false from has, delete is a no-op', async (store) => {
    const h = sha(randomBytes(16));
    assert.equal(await store.has(h), false);
    assert.equal(await store.stat(h), null);
    assert.equal(await store.get(h), null);
    assert.equal(await store.createReadStream(h), null);
    assert.equal(await store.createReadStream(h, { start: 0, end: 9 }), null);
    await store.delete(h);
    const empty = new Uint8Array(0);
    assert.deepEqual(await store.put(sha(empty), empty, { maxBytes: 10 }), { sha256: sha(empty), length: 0 });
    assert.deepEqual(await store.stat(sha(empty)), { length: 0 });
    assert.equal((await store.get(sha(empty)))?.length, 0);
  });

  withStore(
    'a large streamed blob (several upload parts) round-trips; a wrong large one leaves nothing',
    async (store, _damage, leftovers) => {
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
      assert.deepEqual(await leftovers(), [], 'the parts of the refused upload are gone');
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
    const isInvalid = (err: unknown) => isBlobError(err, 'invalid-hash');
    for (const bad of ['../etc/passwd', 'A'.repeat(64), 'a'.repeat(63), '']) {
      await assert.rejects(store.has(bad), isInvalid);
      await assert.rejects(store.stat(bad), isInvalid);
      await assert.rejects(store.get(bad), isInvalid);
      await assert.rejects(store.createReadStream(bad), isInvalid);
      await assert.rejects(store.delete(bad), isInvalid);
      await assert.rejects(store.put(bad, new Uint8Array(1), { maxBytes: 10 }), isInvalid);
    }
  });
}
