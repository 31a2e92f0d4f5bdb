import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { startS3, type S3Service } from '@updraft/test-kit/services';
import { BlobError, FolderBlobStore, S3BlobStore, s3ClientFor } from '../src/index.js';
import { blobStoreContract } from '@updraft/test-kit/contract/blob-store';

// One contract, every backend: a new BlobStore is added to this file.

blobStoreContract({
  name: 'folder',
  async newStore() {
    const dir = await mkdtemp(join(tmpdir(), 'updraft-blob-contract-'));
    return {
      store: await FolderBlobStore.open(dir),
      damage: (sha256, bytes) => writeFile(join(dir, sha256.slice(0, 2), sha256), bytes),
      leftovers: () => readdir(join(dir, 'tmp')),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
});

// A real S3-compatible server (Swift's S3 API); each test gets its own bucket and prefix.
let s3: S3Service | string = 'not started';

before(async () => {
  s3 = await startS3();
});

after(async () => {
  if (typeof s3 !== 'string') await s3.stop();
});

blobStoreContract({
  name: 'S3',
  async newStore() {
    if (typeof s3 === 'string') return s3;
    const bucket = await s3.createBucket();
    const connection = {
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    };
    const store = new S3BlobStore({
      url: `s3://${bucket}/some/prefix`,
      ...connection,
      // The smallest part S3 allows, so the large-blob test really uploads several parts.
      partSize: 5 * 1024 * 1024,
    });
    const raw = s3ClientFor(connection);
    return {
      store,
      damage: async (sha256, bytes) => {
        await raw.send(new PutObjectCommand({ Bucket: bucket, Key: `some/prefix/${sha256}`, Body: bytes }));
      },
      leftovers: async () => {
        const open = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        return (open.Uploads ?? []).map((u) => `${u.Key ?? '?'} (upload ${u.UploadId ?? '?'})`);
      },
      cleanup: async () => {
        raw.destroy();
        await store.close();
      },
    };
  },
});

// A real full disk: the store on a 1 MiB tmpfs (needs root; skipped where mount is refused).
test('folder blob store on a full disk: no-space, nothing under the hash, no temp file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'updraft-blob-full-'));
  try {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    } catch (err) {
      t.skip(`cannot mount a tmpfs here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
      return;
    }
    try {
      const store = await FolderBlobStore.open(dir);
      const first = randomBytes(600 * 1024);
      const firstHash = createHash('sha256').update(first).digest('hex');
      await store.put(firstHash, first, { maxBytes: 1 << 20 });
      const second = randomBytes(600 * 1024);
      const secondHash = createHash('sha256').update(second).digest('hex');
      await assert.rejects(
        store.put(secondHash, second, { maxBytes: 1 << 20 }),
        (err: unknown) => err instanceof BlobError && err.code === 'no-space' && /disk is full/.test(err.message),
      );
      assert.equal(await store.stat(secondHash), null, 'nothing is left under the hash');
      assert.deepEqual(await readdir(join(dir, 'tmp')), [], 'nor a temp file');
      await store.delete(firstHash);
      await store.put(secondHash, second, { maxBytes: 1 << 20 });
      assert.equal((await store.stat(secondHash))?.length, second.length, 'with space again it is stored');
    } finally {
      execFileSync('umount', [dir]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// An S3-compatible store that keeps other bytes than it was sent (its checksums not enforced),
// made from the real server: the body leaves the SDK one byte short, with its Content-Length
// and Content-MD5 made to fit and its SHA-256 checksum dropped. Checked after the commit, the
// object's length is wrong: it must not stay under the hash.
test('S3 blob store: an object stored wrong is deleted, not left under its hash', async (t) => {
  if (typeof s3 === 'string') return t.skip(s3);
  const bucket = await s3.createBucket();
  const store = new S3BlobStore({
    url: `s3://${bucket}/p`,
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    partSize: 5 * 1024 * 1024,
  });
  // The store's own client (private: the store builds it from the options) is the only place
  // a request can be changed after the store checked its bytes and before it is signed.
  const client = (store as unknown as { client: S3Client }).client;
  type Handler = (args: { request: unknown; input: unknown }) => Promise<unknown>;
  const shortBody =
    (next: Handler, context: { commandName?: string }): Handler =>
    async (args) => {
      const request = args.request as { body?: unknown; headers: Record<string, string> };
      const input = args.input as { PartNumber?: number };
      const last = context.commandName === 'PutObjectCommand' || input.PartNumber === 2;
      if (last && request.body instanceof Uint8Array) {
        const short = request.body.subarray(0, request.body.length - 1);
        request.body = short;
        request.headers['content-length'] = String(short.length);
        request.headers['content-md5'] = createHash('md5').update(short).digest('base64');
        for (const h of ['x-amz-checksum-sha256', 'x-amz-sdk-checksum-algorithm', 'x-amz-content-sha256']) {
          delete request.headers[h];
        }
      }
      return next(args);
    };
  // The SDK's middleware type is a union of every step's signature; this one is a finalize step's.
  type Middleware = Parameters<typeof client.middlewareStack.addRelativeTo>[0];
  client.middlewareStack.addRelativeTo(shortBody as unknown as Middleware, {
    relation: 'before',
    toMiddleware: 'awsAuthMiddleware',
    name: 'shortBody',
  });
  try {
    for (const size of [1000, 5 * 1024 * 1024 + 1000]) {
      const bytes = randomBytes(size);
      const hash = createHash('sha256').update(bytes).digest('hex');
      await assert.rejects(
        store.put(hash, bytes, { maxBytes: 1 << 30 }),
        new RegExp(`holds ${size - 1} bytes after writing ${size}`),
      );
      assert.equal(await store.stat(hash), null, `nothing stays under the hash (${size} bytes)`);
    }
  } finally {
    await store.close();
  }
});
