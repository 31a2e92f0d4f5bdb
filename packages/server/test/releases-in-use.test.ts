import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe } from 'node:test';
import { repoPaths } from '@updraft/protocol';
import { FolderBlobStore, type Database, type Transactional } from '../src/index.js';
import type { Actor } from '../src/domain/access.js';
import { ApiError } from '../src/domain/api-error.js';
import { ReleasesService } from '../src/domain/releases-service.js';
import { applyDueSchedules } from '../src/domain/schedules.js';
import {
  createTrustedApp,
  prepareRelease,
  request,
  sha256,
  type PublisherKeys,
  type ReleaseSpec,
  type TestServer,
} from './helpers.js';
import { onBackend, serverBackends, type ServerBackend } from './server-backends.js';

// A releases version may drop releases nothing uses (docs/protocol.md §3.1 "What the listing
// keeps"); what a channel or a scheduled start uses stays, and nothing points at a dropped one.
// Over real HTTP, on SQLite and on PostgreSQL (a throwaway cluster); the race is played with a
// second connection to the server's database.

const APP = 'keep.app';

/** Enough files that the manifest is over the 1 KiB below which nothing is compressed. */
const manyFiles = (releaseId: string) =>
  Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`assets/file-${i}.js`, `/* ${releaseId} ${i} */`]));

for (const backend of serverBackends) suite(backend);

function suite(backend: ServerBackend): void {
  describe(`a releases listing that drops releases nothing uses (${backend.name})`, () => {
    let t: TestServer;
    let keys: PublisherKeys;
    let store: Database;

    const publish = async (spec: ReleaseSpec, extra: Record<string, unknown> = {}) => {
      const { body } = await prepareRelease(t, APP, keys, spec);
      return t.api('POST', `/v1/apps/${APP}/releases`, { ...body, ...extra });
    };
    const listing = async () => (await t.api('GET', `/v1/apps/${APP}/releases-metadata`)).json.signed;

    const it = onBackend(backend, async (started) => {
      ({ t, store } = started);
      ({ keys } = await createTrustedApp(t, APP));
      // production ios: r3 rolling out to half, r2 is what the other half runs; r1 is served nowhere.
      assert.equal((await publish({ releaseId: 'r1', versionCode: 1, files: manyFiles('r1') })).status, 201);
      assert.equal((await publish({ releaseId: 'r2', versionCode: 2 })).status, 201);
      assert.equal((await publish({ releaseId: 'r3', versionCode: 3 }, { basisPoints: 5000 })).status, 201);
      // A start scheduled an hour from now on staging names s1.
      const startAt = new Date(Date.now() + 3600_000).toISOString();
      assert.equal((await publish({ releaseId: 's1', versionCode: 4, channel: 'staging' }, { startAt })).status, 201);
    });

    it('GET …/releases-in-use lists the current and previous release of every pointer and every scheduled start', async () => {
      const res = await t.api('GET', `/v1/apps/${APP}/releases-in-use`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.deepEqual(res.json, { releaseIds: ['r2', 'r3', 's1'] });

      const viewer = (await t.api('POST', '/v1/keys', { name: 'viewer', role: 'viewer' })).json.key as string;
      const asViewer = await request(`${t.url}/v1/apps/${APP}/releases-in-use`, 'GET', undefined, {
        authorization: `Bearer ${viewer}`,
      });
      assert.equal(asViewer.status, 200);
      assert.deepEqual(asViewer.json, res.json);
      const anonymous = await request(`${t.url}/v1/apps/${APP}/releases-in-use`, 'GET');
      assert.equal(anonymous.status, 401);
      assert.equal((await t.api('GET', '/v1/apps/nope/releases-in-use')).status, 404);
    });

    it('refuses dropping the current release, the previous one of a partial rollout or a scheduled one, storing nothing', async () => {
      const before = await listing();
      const cases = [
        ['r3', /drops release r3, which is the current release of channel production for ios 1\.0\.0/],
        ['r2', /drops release r2, which is the previous release of channel production for ios 1\.0\.0/],
        ['s1', /drops release s1, which is the release of the start scheduled on channel staging at /],
      ] as const;
      for (const [dropped, message] of cases) {
        const res = await publish({ releaseId: 'n1', versionCode: 10, channel: 'staging', drop: [dropped] });
        assert.equal(res.status, 409, `dropping ${dropped}: ${JSON.stringify(res.json)}`);
        assert.equal(res.json.error.code, 'release-in-use');
        assert.match(res.json.error.message, message);
        assert.match(res.json.error.message, /sign on top of the current releases metadata keeping it/);
        assert.deepEqual(await listing(), before, 'the listing is unchanged');
        assert.equal((await t.api('GET', `/v1/apps/${APP}/releases/n1`)).status, 404, 'no release recorded');
      }
    });

    it('accepts dropping a release nothing uses and stores the shorter listing', async () => {
      const before = await listing();
      const res = await publish({ releaseId: 'n1', versionCode: 10, channel: 'staging', drop: ['r1'] });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      assert.deepEqual(res.json.droppedReleases, ['r1'], 'the publisher is told what its listing dropped');
      const after = await listing();
      assert.equal(after.version, before.version + 1);
      assert.deepEqual(
        Object.keys(after.targets).sort(),
        [...Object.keys(before.targets).filter((p) => p !== 'manifests/r1.json'), 'manifests/n1.json'].sort(),
      );
      // History is the database's: the release is still recorded, with the version that listed it.
      const shown = await t.api('GET', `/v1/apps/${APP}/releases/r1`);
      assert.equal(shown.status, 200);
      assert.equal(shown.json.releasesVersion, 2, 'trust made version 1; r1 was the first publish');
      assert.equal(shown.json.listed, false, 'the listing no longer has it');
      assert.equal((await t.api('GET', `/v1/apps/${APP}/releases/n1`)).json.listed, true);
      assert.deepEqual(shown.json.allowedChannels, ['*'], 'read from the version that added it');
      assert.equal((await t.api('GET', `/v1/apps/${APP}/releases/n1`)).json.releasesVersion, after.version);
      const rows = (await t.api('GET', `/v1/apps/${APP}/releases`)).json.releases as {
        releaseId: string;
        listed: boolean;
      }[];
      assert.deepEqual(
        rows.filter((r) => !r.listed).map((r) => r.releaseId),
        ['r1'],
        'the list still has it, marked not listed; every other release is listed',
      );
      // Its id stays taken: a new release under it is refused, not mistaken for a race.
      const again = await publish({ releaseId: 'r1', versionCode: 11, channel: 'staging' });
      assert.equal(again.status, 400);
      assert.equal(again.json.error.code, 'invalid-release');
    });

    it('refuses promoting a dropped release, now or scheduled, with how to serve it again', async () => {
      await t.api('POST', `/v1/apps/${APP}/channels`, { name: 'beta' });
      for (const extra of [{}, { startAt: new Date(Date.now() + 3600_000).toISOString() }]) {
        const res = await t.api('POST', `/v1/apps/${APP}/releases/r1/promote`, { channel: 'beta', ...extra });
        assert.equal(res.status, 409, JSON.stringify(res.json));
        assert.equal(res.json.error.code, 'release-not-listed');
        assert.match(
          res.json.error.message,
          /release r1 is no longer in the app's signed releases listing.*updraft release rollback r1 --app keep\.app --channel beta/,
        );
      }
      const shown = await t.api('GET', `/v1/apps/${APP}/releases/r1`);
      assert.deepEqual(shown.json.current, []);
      assert.deepEqual(shown.json.schedules, []);
    });

    it('marks a due scheduled start of a dropped release failed, once', async () => {
      // Written behind the server's back: the API refuses to schedule a dropped release.
      const [pending] = await store.rollout.listSchedules(APP, { releaseId: 's1' });
      const id = randomUUID();
      const at = new Date(Date.now() - 1000).toISOString();
      await store.rollout.insertSchedule({
        ...pending!,
        id,
        channel: 'beta',
        releaseId: 'r1',
        startAt: at,
        createdAt: at,
        updatedAt: at,
      });
      const now = Date.now();
      assert.deepEqual(await applyDueSchedules(store, now), { applied: [], failed: [id] });
      const [s] = await store.rollout.listSchedules(APP, { releaseId: 'r1' });
      assert.equal(s!.status, 'failed');
      assert.match(s!.detail!, /release r1 is no longer in the app's signed releases listing/);
      assert.equal(await store.rollout.getPointer(APP, 'beta', 'ios', '1.0.0'), null);
      assert.deepEqual(await applyDueSchedules(store, now), { applied: [], failed: [] }, 'not tried again');
    });

    it('still serves the manifest of a dropped release by its hash, as a document; an unknown hash is 404', async () => {
      const r1 = (await t.api('GET', `/v1/apps/${APP}/releases/r1`)).json;
      const url = `${t.url}/repo/${APP}/${repoPaths.target('manifests/r1.json', r1.manifestSha256)}`;
      const res = await request(url, 'GET', undefined, { 'accept-encoding': 'gzip' });
      assert.equal(res.status, 200);
      assert.equal(sha256(res.bytes), r1.manifestSha256);
      assert.equal(res.bytes.length, r1.manifestLength);
      assert.equal(res.headers.get('content-encoding'), 'gzip', 'compressed like a listed manifest');
      const unknown = `${t.url}/repo/${APP}/${repoPaths.target('manifests/r1.json', sha256('not a manifest'))}`;
      assert.equal((await request(unknown, 'GET')).status, 404);
    });

    it('catches a promote of a dropped release that lands between the checks and the transaction', async () => {
      // android on beta: u3 serves, u2 is its previous, u1 is served nowhere.
      for (const [i, id] of ['u1', 'u2', 'u3'].entries()) {
        const res = await publish({ releaseId: id, versionCode: i + 1, platform: 'android', channel: 'beta' });
        assert.equal(res.status, 201, JSON.stringify(res.json));
      }
      const { body } = await prepareRelease(t, APP, keys, { releaseId: 'n2', versionCode: 20, drop: ['u1'] });
      const blobs = await FolderBlobStore.open(join(t.dataDir, 'blobs'));
      let promoted: number | null = null;
      const racing: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'transparencyLog' | 'codepush'> = {
        ...pick(store),
        async transaction(fn) {
          // Once, as the publish opens its transaction: another request points staging at u1.
          promoted ??= (await t.api('POST', `/v1/apps/${APP}/releases/u1/promote`, { channel: 'staging' })).status;
          return store.transaction(fn);
        },
      };
      const service = new ReleasesService({ store: racing, blobs, maxFileBytes: 1024 * 1024, now: Date.now });
      const owner: Actor = {
        id: 'race-test',
        orgId: (await store.access.getAppOrg(APP))!,
        name: 'race test',
        kind: 'service',
        role: 'owner',
        scopes: ['*'],
        requestId: 'race',
      };
      const before = await listing();
      await assert.rejects(service.publish(owner, APP, body), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.code, 'release-in-use');
        assert.match(
          err.message,
          /drops release u1, which is the current release of channel staging for android 1\.0\.0/,
        );
        return true;
      });
      assert.equal(promoted, 200, 'the promote landed first');
      assert.deepEqual(await listing(), before, 'nothing stored');
    });
  });
}

/** The ports of a database, without its transaction. */
function pick(db: Database) {
  const { trust, releases, rollout, access, transparencyLog, codepush } = db;
  return { trust, releases, rollout, access, transparencyLog, codepush };
}
