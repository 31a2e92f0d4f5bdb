import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MANIFEST_SCHEMA } from '@updraft/protocol';
import { FolderBlobStore, openSqliteStore, type BlobStore, type Database, type ReleaseRecord } from '../src/index.js';
import { ReleaseListings } from '../src/domain/release-listing.js';
import { markUnavailable } from '../src/domain/unavailable.js';
import { tempDir } from './helpers.js';

// The release list is answered from the database; a manifest's size is the one thing read from
// the blob store. A list while the store is away answers with that size unknown rather than a
// 503 (an S3 outage under load once turned every admin list into 503s), and sizes it later.

const APP = 'listing.app';

function manifestBytes(releaseId: string): Uint8Array {
  const manifest = {
    schema: MANIFEST_SCHEMA,
    appId: APP,
    releaseId,
    platform: 'ios',
    runtimeVersion: '1.0.0',
    versionCode: 1,
    epoch: 0,
    launch: 'index.js',
    createdAt: '2026-12-06T00:00:00Z',
    files: [
      { path: 'index.js', sha256: 'a'.repeat(64), length: 1200, contentType: 'application/javascript' },
      { path: 'empty.txt', sha256: 'b'.repeat(64), length: 0, contentType: 'text/plain' },
    ],
  };
  return new TextEncoder().encode(JSON.stringify(manifest));
}

describe('release sizes while the blob store is away', () => {
  let dir = '';
  let store: Database;
  let folder: FolderBlobStore;
  let away = false;
  let blobs: BlobStore;
  let gets = 0;

  before(async () => {
    dir = await tempDir();
    store = await openSqliteStore(join(dir, 'updraft.db'));
    folder = await FolderBlobStore.open(join(dir, 'blobs'));
    blobs = new Proxy(folder, {
      get: (target, prop, receiver) =>
        prop === 'get'
          ? (sha256: string) => {
              gets++;
              if (away) return Promise.reject(markUnavailable(new Error('connect ECONNREFUSED'), 'blob-store'));
              return target.get(sha256);
            }
          : Reflect.get(target, prop, receiver),
    });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function record(releaseId: string): Promise<ReleaseRecord> {
    const bytes = manifestBytes(releaseId);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await folder.put(sha256, Buffer.from(bytes), { maxBytes: 1 << 20 });
    return {
      appId: APP,
      releaseId,
      versionCode: 1,
      epoch: 0,
      platform: 'ios',
      runtimeVersion: '1.0.0',
      channel: 'production',
      manifestSha256: sha256,
      manifestLength: bytes.length,
      releasesVersion: 2,
      createdAt: '2026-12-06T00:00:00Z',
    };
  }

  it('answers with the size unknown, then sizes the release once the store is back', async () => {
    const listings = new ReleaseListings({ store, blobs });
    const sized = await record('r1');
    assert.deepEqual(
      pick((await listings.describe(APP, [sized])).get('r1')),
      { sizeBytes: 1200, files: 2 },
      'read while the store is there',
    );

    const unseen = await record('r2');
    away = true;
    const during = await listings.describe(APP, [unseen, sized]);
    assert.deepEqual(pick(during.get('r2')), { sizeBytes: null, files: null }, 'unknown while away');
    assert.deepEqual(pick(during.get('r1')), { sizeBytes: 1200, files: 2 }, 'a size read before is kept');

    away = false;
    gets = 0;
    const back = await listings.describe(APP, [unseen, sized]);
    assert.deepEqual(pick(back.get('r2')), { sizeBytes: 1200, files: 2 }, 'not remembered as unknown');
    assert.equal(gets, 1, 'only the release not sized yet is read');
  });

  it('any other failure of the store is still an error', async () => {
    const broken = new Proxy(folder, {
      get: (target, prop, receiver) =>
        prop === 'get' ? () => Promise.reject(new Error('a bug')) : Reflect.get(target, prop, receiver),
    });
    const listings = new ReleaseListings({ store, blobs: broken });
    await assert.rejects(listings.describe(APP, [await record('r3')]), /a bug/);
  });
});

function pick(listing: { sizeBytes: number | null; files: number | null } | undefined) {
  return { sizeBytes: listing?.sizeBytes, files: listing?.files };
}
