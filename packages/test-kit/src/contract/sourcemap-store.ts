import assert from 'node:assert/strict';
import { generateKeyFile } from '@updraft/signing';
import type { OnlineRole } from '@updraft/server';
import { NOW, storeTest, type MetadataBackend } from './store-backend.js';

/** store.sourcemaps (source maps kept beside releases), run against each backend. */
export function sourcemapStoreContract(backend: MetadataBackend): void {
  storeTest(
    backend,
    'sourcemap store',
    'sourcemaps: one per release and name, replaced on upload again, listed by name',
    async (store) => {
      const onlineKeys = Object.fromEntries(
        ['snapshot', 'timestamp', 'director'].map((r) => [r, generateKeyFile()]),
      ) as Record<OnlineRole, ReturnType<typeof generateKeyFile>>;
      await store.trust.createApp({ appId: 'sm', createdAt: NOW, onlineKeys });
      await store.trust.createApp({ appId: 'other', createdAt: NOW, onlineKeys });
      const m = {
        appId: 'sm',
        releaseId: 'r1',
        name: 'index.android.bundle.map',
        sha256: 'a'.repeat(64),
        length: 1_234_567,
        uploadedAt: NOW,
      };
      await store.sourcemaps.put(m);
      await store.sourcemaps.put({ ...m, name: 'extra.map', sha256: 'b'.repeat(64), length: 1 });
      await store.sourcemaps.put({ ...m, releaseId: 'r2', sha256: 'c'.repeat(64) });
      assert.deepEqual(await store.sourcemaps.get('sm', 'r1', m.name), m);
      const again = { ...m, sha256: 'd'.repeat(64), length: 7, uploadedAt: '2026-11-23T05:00:00.000Z' };
      await store.sourcemaps.put(again);
      assert.deepEqual(await store.sourcemaps.get('sm', 'r1', m.name), again, 'uploading again replaces');
      assert.deepEqual(
        (await store.sourcemaps.list('sm', 'r1')).map((x) => [x.name, x.sha256]),
        [
          ['extra.map', 'b'.repeat(64)],
          [m.name, 'd'.repeat(64)],
        ],
      );
      assert.deepEqual(
        (await store.sourcemaps.list('sm', 'r2')).map((x) => x.sha256),
        ['c'.repeat(64)],
      );
      assert.equal(await store.sourcemaps.get('other', 'r1', m.name), null, 'another app sees none');
      assert.deepEqual(await store.sourcemaps.list('other', 'r1'), []);
      assert.equal(await store.sourcemaps.get('sm', 'r1', 'nope.map'), null);
      assert.deepEqual(
        await store.releases.findAppBlobs('sm', ['a'.repeat(64), 'd'.repeat(64)]),
        new Map(),
        'not app files',
      );
    },
  );
}
