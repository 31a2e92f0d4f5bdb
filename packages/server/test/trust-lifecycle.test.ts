import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type JsonObject,
  type KeyChange,
  keyId,
  loadTrustedRoot,
  parseJsonObject,
  parseRoot,
  parseTimestamp,
  type TufKey,
  verifyRootUpdate,
  verifyTimestamp,
} from '@updraft/protocol';
import { openSqliteStore, resignJob, type Database } from '../src/index.js';
import {
  generateKeyFile,
  localSigner,
  publicKeyOf,
  pushMetadata,
  rotationBundle,
  signBundle,
  signMetadata,
  withDefaults,
  type KeyFile,
  type RotatableRole,
} from '@updraft/signing';
import { AdminRefusal, publisherView } from '@updraft/test-kit/admin-publisher';
import {
  createTrustedApp,
  renewWithKeys,
  request,
  startTestServer,
  type PublisherKeys,
  type TestServer,
} from './helpers.js';

// Freshness (scheduled re-signing under a per-app policy) and the key lifecycle routes: each
// upload that a TUF client would refuse, or that would hand the server a code-approving key,
// is refused. What a publisher does on purpose (a key change, a renewal) goes through the
// publisher workflows of @updraft/signing, as `updraft keys rotate` and `updraft refresh` do;
// the uploads the server must refuse are built by hand (nextRoot below, and the edited copies
// of targets and releases), since the workflows would not build them.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function latest(t: TestServer, appId: string, role: string): Promise<JsonObject & { signed: JsonObject }> {
  const r = await t.api('GET', `/v1/apps/${appId}/metadata/${role}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

/** The next root, changed by `edit`, signed by `signers`: for uploads the server must refuse. */
async function nextRoot(
  t: TestServer,
  appId: string,
  signers: KeyFile[],
  edit: (
    signed: JsonObject & { roles: Record<string, { keyids: string[]; threshold: number }>; keys: JsonObject },
  ) => void,
) {
  const current = await latest(t, appId, 'root');
  const signed = structuredClone(current.signed) as Parameters<typeof edit>[0];
  signed['version'] = (signed['version'] as number) + 1;
  edit(signed);
  return signMetadata(signed, signers.map(localSigner));
}

function addKey(signed: { keys: JsonObject }, key: TufKey): string {
  const id = keyId(key);
  signed.keys[id] = { keytype: key.keytype, scheme: key.scheme, keyval: { public: key.keyval.public } };
  return id;
}

interface AuditEntryView {
  action: string;
  actorName: string;
  signingKeyIds: string[];
  details: Record<string, unknown>;
}

describe('freshness: per-app lifetimes and the re-signing job', () => {
  let t: TestServer;
  let store: Database;
  /** One pass of the server's scheduled re-signing job at `now`: which roles it signed, per app. */
  const runOnce = async (now: number) => {
    const signed: { appId: string; roles: string[] }[] = [];
    await resignJob(store, { onSigned: (appId, roles) => signed.push({ appId, roles }) }).runOnce(now);
    return signed;
  };
  const appId = 'com.example.fresh';
  before(async () => {
    t = await startTestServer({ jobs: false });
    await createTrustedApp(t, appId);
    // A second connection to the same database file, as a second server instance would have.
    store = await openSqliteStore(join(t.dataDir, 'updraft.db'));
  });
  after(async () => {
    await store.close();
    await t.stop();
  });

  it('stores lifetimes per app, re-signs at once, and refuses nonsense with a 400', async () => {
    const set = await t.api('PUT', `/v1/apps/${appId}/expiry`, { timestamp: 3600, warnBefore: 10 * 86400 });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    assert.equal(set.json.timestamp, 3600);
    assert.equal(set.json.snapshot, 7 * 86400, 'unset lifetimes keep their default');
    assert.deepEqual(set.json.resigned, ['director', 'snapshot', 'timestamp']);
    const ts = parseTimestamp(
      parseJsonObject((await request(`${t.url}/repo/${appId}/metadata/timestamp.json`, 'GET')).bytes, 'ts'),
    );
    const left = Date.parse(ts.signed.expires) - Date.now();
    assert.ok(left > 0.9 * HOUR && left <= HOUR, `timestamp lives one hour, got ${left} ms`);

    assert.equal((await t.api('GET', `/v1/apps/${appId}/expiry`)).json.timestamp, 3600);
    for (const bad of [{ timestamp: 0 }, { timestamp: 1.5 }, { bogus: 5 }, { director: '7d' }]) {
      const r = await t.api('PUT', `/v1/apps/${appId}/expiry`, bad);
      assert.equal(r.status, 400, `${JSON.stringify(bad)} → ${r.status}`);
    }
    assert.equal((await t.api('PUT', '/v1/apps/com.example.none/expiry', { timestamp: 60 })).status, 404);
    const other = await createTrustedApp(t, 'com.example.other');
    assert.ok(other);
    assert.equal(
      (await t.api('GET', '/v1/apps/com.example.other/expiry')).json.timestamp,
      86400,
      'policies are per app',
    );
  });

  it('runOnce re-signs each role once less than half its lifetime is left, and nothing before', async () => {
    const now = Date.now();
    const first = await runOnce(now);
    assert.deepEqual(
      first.filter((s) => s.appId === appId),
      [],
      'fresh metadata is left alone',
    );
    const later = await runOnce(now + 40 * 60_000);
    assert.deepEqual(later.find((s) => s.appId === appId)?.roles, ['timestamp'], '1 h timestamp, 20 min left');
    const days = await runOnce(now + 4 * DAY);
    assert.deepEqual(days.find((s) => s.appId === appId)?.roles, ['director', 'snapshot', 'timestamp']);
    // What it signed verifies as of that time, from the app's root.
    const rootBytes = (await request(`${t.url}/repo/${appId}/metadata/1.root.json`, 'GET')).bytes;
    const tsBytes = (await request(`${t.url}/repo/${appId}/metadata/timestamp.json`, 'GET')).bytes;
    const ts = verifyTimestamp(loadTrustedRoot(rootBytes).signed, tsBytes, null, now + 4 * DAY);
    assert.ok(Date.parse(ts.signed.expires) > now + 4 * DAY);
  });

  it('POST /resign re-signs only what is due, or everything with force', async () => {
    const due = await t.api('POST', `/v1/apps/${appId}/resign`, {});
    assert.equal(due.status, 200);
    assert.deepEqual(due.json.resigned, []);
    const forced = await t.api('POST', `/v1/apps/${appId}/resign`, { force: true });
    assert.deepEqual(forced.json.resigned, ['director', 'snapshot', 'timestamp']);
  });

  it('audits every change of lifetimes and every re-signing, by hand or by the job (issue 14 §7)', async () => {
    const entries = (await t.api('GET', `/v1/audit?app=${appId}`)).json.entries as AuditEntryView[];
    const trust = entries.filter((e) => e.action.startsWith('trust.'));
    assert.deepEqual(
      trust.map((e) => [e.action, e.actorName]),
      [
        ['trust.expiry', 'owner'],
        ['trust.resign', 'resign-job'],
        ['trust.resign', 'resign-job'],
        ['trust.resign', 'owner'],
      ],
      'the refused lifetimes and the re-signing with nothing due wrote nothing',
    );
    assert.equal((trust[0]!.details['after'] as { timestamp: number }).timestamp, 3600);
    assert.deepEqual(trust[1]!.details, { scheduled: true, resigned: ['timestamp'] });
    assert.deepEqual(trust[3]!.details, { force: true, resigned: ['director', 'snapshot', 'timestamp'] });
    assert.equal((await t.api('GET', '/v1/audit/verify')).json.ok, true);
  });
});

describe('key lifecycle: uploading root, targets and releases versions', () => {
  let t: TestServer;
  let keys: PublisherKeys;
  let anchor: Uint8Array;
  const appId = 'com.example.rotate';
  before(async () => {
    t = await startTestServer({ jobs: false });
    ({ keys, rootBytes: anchor } = await createTrustedApp(t, appId));
  });
  after(async () => t.stop());

  const upload = (body: unknown) => t.api('POST', `/v1/apps/${appId}/metadata`, body);

  /** A key change as `updraft keys rotate` makes it: built from the verified repository, signed by `signers`, pushed. */
  async function rotate(
    role: RotatableRole,
    change: KeyChange,
    signers: KeyFile[],
    opts: { epoch?: number; newPrivateKey?: boolean } = {},
  ) {
    const current = await publisherView(t.url, appId, anchor);
    const bundle = rotationBundle({
      appId,
      current,
      policy: withDefaults(await t.publisher.expiryPolicy(appId)),
      role,
      change,
      newPrivateKey: opts.newPrivateKey ?? false,
      nowMs: Date.now(),
      ...(opts.epoch === undefined ? {} : { epoch: opts.epoch }),
    });
    const signed = await signBundle(bundle, current, signers.map(localSigner));
    return pushMetadata(t.publisher, appId, signed, current);
  }

  it('refuses a root signed by fewer than the threshold of the current root (2-of-2)', async () => {
    const root = await nextRoot(t, appId, [keys.root[0]!], () => {});
    const r = await upload({ root });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.equal(r.json.error.code, 'bad-signature');
    assert.match(r.json.error.message, /threshold is 2/);
  });

  it('refuses a root that skips a version, lists a server key as root, or a foreign key for snapshot', async () => {
    const skip = await nextRoot(t, appId, keys.root, (s) => (s['version'] = (s['version'] as number) + 1));
    assert.equal((await upload({ root: skip })).status, 409);

    const onlineTs = (await latest(t, appId, 'root')).signed as unknown as {
      roles: { timestamp: { keyids: string[] } };
      keys: Record<string, TufKey>;
    };
    const serverKey = onlineTs.keys[onlineTs.roles.timestamp.keyids[0]!]!;
    const serverAsRoot = await nextRoot(t, appId, keys.root, (s) => {
      s.roles['root']!.keyids.push(addKey(s, serverKey));
    });
    const r1 = await upload({ root: serverAsRoot });
    assert.equal(r1.status, 400, JSON.stringify(r1.json));
    assert.match(r1.json.error.message, /never be able to approve code/);

    const rogue = generateKeyFile();
    const foreign = await nextRoot(t, appId, keys.root, (s) => {
      s.roles['snapshot']!.keyids = [addKey(s, publicKeyOf(rogue))];
    });
    const r2 = await upload({ root: foreign });
    assert.equal(r2.status, 400);
    assert.match(r2.json.error.message, /snapshot/);
  });

  it('refuses a root that drops the key of the current targets unless re-signed targets come with it', async () => {
    // The rotation a publisher without the new targets key at hand would push.
    const newTargets = generateKeyFile();
    await assert.rejects(
      rotate('targets', { add: [publicKeyOf(newTargets)], remove: [keys.targets.keyid] }, keys.root),
      (err: unknown) =>
        err instanceof AdminRefusal && err.status === 400 && /re-signed with the new targets key/.test(err.message),
    );
  });

  it('accepts a 2-of-3 root signed by 2 old and 2 new keys; devices verify it from root 1', async () => {
    const third = generateKeyFile();
    const pushed = await rotate('root', { add: [publicKeyOf(third)], remove: [] }, keys.root);
    assert.equal(pushed.rootVersion, 2);
    const v1 = (await request(`${t.url}/repo/${appId}/metadata/1.root.json`, 'GET')).bytes;
    const v2 = (await request(`${t.url}/repo/${appId}/metadata/2.root.json`, 'GET')).bytes;
    const verified = verifyRootUpdate(loadTrustedRoot(v1).signed, v2);
    assert.equal(verified.signed.roles.root.keyids.length, 3);
    keys.root.push(third);
  });

  it('rotates the timestamp key: a candidate from the server, listed by a new root, signs from then on', async () => {
    const created = await t.api('POST', `/v1/apps/${appId}/online-keys`, { role: 'timestamp' });
    assert.equal(created.status, 201);
    const newKey = created.json.key as TufKey;
    assert.deepEqual(Object.keys(newKey.keyval), ['public']);
    const pushed = await rotate('timestamp', { add: [newKey], remove: [] }, keys.root.slice(0, 2));
    assert.deepEqual(pushed.activated, [{ role: 'timestamp', keyid: keyId(newKey) }]);
    const ts = parseTimestamp(
      parseJsonObject((await request(`${t.url}/repo/${appId}/metadata/timestamp.json`, 'GET')).bytes, 'ts'),
    );
    assert.deepEqual(
      ts.signatures.map((s) => s.keyid),
      [keyId(newKey)],
      'the server signs timestamp with the new key at once',
    );
    const bad = await t.api('POST', `/v1/apps/${appId}/online-keys`, { role: 'releases' });
    assert.equal(bad.status, 400, 'the server never generates a releases key');
  });

  it('audits each uploaded root as a rotation, and each online key it made (issue 14 §7)', async () => {
    const entries = (await t.api('GET', `/v1/audit?app=${appId}`)).json.entries as AuditEntryView[];
    const trust = entries.filter((e) => e.action.startsWith('trust.'));
    assert.deepEqual(
      trust.map((e) => e.action),
      ['trust.update', 'trust.online-key', 'trust.update'],
      'refused uploads wrote nothing',
    );
    const [grow, key, rotate] = trust as [AuditEntryView, AuditEntryView, AuditEntryView];
    assert.equal(grow.details['root'], 2);
    assert.deepEqual(
      (grow.details['rotated'] as { role: string; after: string[] }[]).map((r) => [r.role, r.after.length]),
      [['root', 3]],
    );
    assert.ok(grow.signingKeyIds.length >= 2, 'the keys that signed the new root');
    assert.equal(key.details['role'], 'timestamp');
    assert.deepEqual(
      (rotate.details['rotated'] as { role: string }[]).map((r) => r.role),
      ['timestamp'],
    );
    assert.deepEqual(rotate.details['activated'], [{ role: 'timestamp', keyid: key.details['keyid'] }]);
  });

  it('refuses targets that delegate releases to a server key, and releases re-signed with other targets', async () => {
    const targets = await latest(t, appId, 'targets');
    const signed = structuredClone(targets.signed) as JsonObject & {
      delegations: { keys: JsonObject; roles: { keyids: string[] }[] };
    };
    signed['version'] = (signed['version'] as number) + 1;
    const directorId = signed.delegations.roles[1]!.keyids[0]!;
    signed.delegations.roles[0]!.keyids = [directorId];
    const r = await upload({ targets: await signMetadata(signed, [localSigner(keys.targets)]) });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /releases delegation/);

    const releases = await latest(t, appId, 'releases');
    const changed = structuredClone(releases.signed) as JsonObject & { targets: JsonObject };
    changed['version'] = (changed['version'] as number) + 1;
    changed.targets['manifests/evil.json'] = { length: 1, hashes: { sha256: '0'.repeat(64) } };
    const r2 = await upload({ releases: await signMetadata(changed, [localSigner(keys.releases)]) });
    assert.equal(r2.status, 400);
    assert.match(r2.json.error.message, /keep exactly the current targets/);

    // A renewal as `updraft refresh` makes it with the releases key at hand: accepted.
    const r3 = await renewWithKeys(t, appId, anchor, [keys.releases]);
    assert.deepEqual(r3.roles, ['releases']);
    assert.equal(r3.releasesVersion, 2);
  });

  it('takes the epoch from root and never lets it go down', async () => {
    const up = await rotate('root', { add: [], remove: [] }, keys.root.slice(0, 2), { epoch: 2 });
    assert.equal(up.rootVersion, 4);
    const stored = parseRoot(
      parseJsonObject((await request(`${t.url}/repo/${appId}/metadata/4.root.json`, 'GET')).bytes, 'root'),
    );
    assert.equal(stored.signed.epoch, 2);
    const down = await nextRoot(t, appId, keys.root.slice(0, 2), (s) => (s['x-updraft-epoch'] = 1));
    const r = await upload({ root: down });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /epoch never goes down/);
    assert.equal((await upload({})).status, 400, 'an empty upload is a 400');
  });
});
