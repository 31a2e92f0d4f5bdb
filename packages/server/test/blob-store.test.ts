import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
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
