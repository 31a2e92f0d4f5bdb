import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { BlobError, verifiedPut, type PendingBlob, type RawBlobWrites } from '../src/index.js';

// The checks a backend gets for free from verifiedPut, including the ones a healthy real
// backend cannot provoke (a medium that returns other bytes, a length that changes on commit).

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Faults {
  readBack?: (bytes: Buffer) => { length: number; sha256: string };
  storedLength?: (length: number) => number | null;
  writeError?: Error;
}

function memoryBackend(faults: Faults = {}) {
  const blobs = new Map<string, Buffer>();
  const log: string[] = [];
  const raw: RawBlobWrites = {
    stat: async (h) => {
      const b = blobs.get(h);
      if (!b) return null;
      const length = faults.storedLength ? faults.storedLength(b.length) : b.length;
      return length === null ? null : { length };
    },
    remove: async (h) => {
      log.push('remove');
      blobs.delete(h);
    },
    begin: async (h): Promise<PendingBlob> => {
      const parts: Buffer[] = [];
      log.push('begin');
      return {
        write: async (chunk) => {
          if (faults.writeError) throw faults.writeError;
          parts.push(Buffer.from(chunk));
        },
        ...(faults.readBack
          ? { readBack: async () => faults.readBack!(Buffer.concat(parts)) }
          : { readBack: async () => ({ length: Buffer.concat(parts).length, sha256: sha(Buffer.concat(parts)) }) }),
        commit: async () => {
          log.push('commit');
          blobs.set(h, Buffer.concat(parts));
        },
        abort: async () => {
          log.push('abort');
        },
      };
    },
  };
  return { raw, blobs, log };
}

test('verifiedPut: checked bytes are committed once, never aborted', async () => {
  const m = memoryBackend();
  const bytes = Buffer.from('hello');
  assert.deepEqual(await verifiedPut(m.raw, sha(bytes), Readable.from([bytes]), { maxBytes: 5 }), {
    sha256: sha(bytes),
    length: 5,
  });
  assert.deepEqual(m.log, ['begin', 'commit']);
  assert.deepEqual(m.blobs.get(sha(bytes)), bytes);
});

test('verifiedPut: an invalid name never reaches the backend', async () => {
  const m = memoryBackend();
  await assert.rejects(
    verifiedPut(m.raw, '../x', new Uint8Array(1), { maxBytes: 1 }),
    (e: unknown) => e instanceof BlobError && e.code === 'invalid-hash',
  );
  assert.deepEqual(m.log, []);
});

test('verifiedPut: bytes the medium holds differently are not committed', async () => {
  const bytes = Buffer.from('the real bytes');
  const m = memoryBackend({ readBack: (b) => ({ length: b.length, sha256: sha(b.subarray(1)) }) });
  const source = Readable.from([bytes]);
  await assert.rejects(
    verifiedPut(m.raw, sha(bytes), source, { maxBytes: 100 }),
    /the store holds 14 bytes hashing to/,
  );
  assert.deepEqual(m.log, ['begin', 'abort']);
  assert.equal(m.blobs.size, 0);
  assert.equal(source.destroyed, true);
});

test('verifiedPut: a stored length other than the written one after commit is an error, and the object goes', async () => {
  const bytes = Buffer.from('abc');
  const m = memoryBackend({ storedLength: (n) => n - 1 });
  await assert.rejects(
    verifiedPut(m.raw, sha(bytes), bytes, { maxBytes: 100 }),
    /holds 2 bytes after writing 3; it was deleted/,
  );
  assert.deepEqual(m.log, ['begin', 'commit', 'remove']);
  assert.equal(m.blobs.size, 0, 'nothing stays under the hash');
});

test('verifiedPut: a stored length that cannot be read fails the write and deletes nothing', async () => {
  const bytes = Buffer.from('abc');
  const m = memoryBackend();
  const away = new Error('the store is away');
  m.raw.stat = async () => {
    throw away;
  };
  await assert.rejects(verifiedPut(m.raw, sha(bytes), bytes, { maxBytes: 100 }), (e: unknown) => e === away);
  assert.deepEqual(m.log, ['begin', 'commit']);
});

test('verifiedPut: a full disk while writing is no-space, and the pending blob is aborted', async () => {
  const bytes = Buffer.from('abc');
  for (const code of ['ENOSPC', 'EDQUOT']) {
    const m = memoryBackend({ writeError: Object.assign(new Error('full'), { code }) });
    await assert.rejects(verifiedPut(m.raw, sha(bytes), bytes, { maxBytes: 100 }), (e: unknown) => {
      return e instanceof BlobError && e.code === 'no-space' && (e.cause as Error).message === 'full';
    });
    assert.deepEqual(m.log, ['begin', 'abort']);
  }
});

test('verifiedPut: too-large stops before the backend sees the byte over the cap', async () => {
  const m = memoryBackend();
  const written: number[] = [];
  const inner = m.raw.begin;
  m.raw.begin = async (h) => {
    const p = await inner(h);
    return { ...p, write: async (c) => (written.push(c.length), p.write(c)) };
  };
  const bytes = Buffer.alloc(30, 1);
  await assert.rejects(
    verifiedPut(m.raw, sha(bytes), Readable.from([bytes.subarray(0, 10), bytes.subarray(10, 20), bytes.subarray(20)]), {
      maxBytes: 15,
    }),
    (e: unknown) => e instanceof BlobError && e.code === 'too-large',
  );
  assert.deepEqual(written, [10]);
  assert.deepEqual(m.log, ['begin', 'abort']);
});
