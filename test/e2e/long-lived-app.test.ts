import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Updater } from 'tuf-js';
import { deviceSyncArgs, publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';
import type { ServerProcess, TargetArgs } from '@updraft/test-kit/cli';
import { getBytes, getJson } from '@updraft/test-kit/repo-tools';

// A long-lived app, end to end: the real server process, the real CLI, the real Node device
// client and an outside TUF client. Every publish signs a releases listing that keeps only the
// newest releases of each platform and runtime version and the releases a channel or a
// scheduled deployment uses (docs/protocol.md §3.1, "What the listing keeps"), so the listing
// a device downloads stays the same size however long the app lives, while devices on dropped
// releases still update, production keeps its release, and a rollback reaches any release the
// server recorded.

const APP = 'com.example.longlived';
/** What the assertions hold the listing to. */
const KEEP = 5;
/** What publish and rollback are told (KEEP; a huge value here must make the bound fail). */
const KEEP_ARG = String(KEEP);
const IOS = { app: APP, platform: 'ios', runtimeVersion: '1.0.0', channel: 'staging' } satisfies TargetArgs;
const ANDROID = { app: APP, platform: 'android', runtimeVersion: '1.0.0', channel: 'staging' } satisfies TargetArgs;

interface Published {
  releaseId: string;
  platform: string;
  runtimeVersion: string;
  versionCode: number;
  /** The launch file's text, to tell on a device which release's files it runs. */
  content: string;
}

interface Listed {
  platform: string;
  runtimeVersion: string;
  versionCode: number;
  sha256: string;
  length: number;
}

let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };
let env: Record<string, string>;
let keys: string;
const published: Published[] = [];
/** Each release's manifest target as last seen listed: how to fetch it once it is dropped. */
const seen = new Map<string, Listed>();
let productionRelease: Published;
let earlyDevice: string;
let tufDir: string;

before(async () => {
  work = await tempDir('e2e-long-lived');
  server = await startServerProcess(join(work.path, 'data'));
  env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  keys = join(work.path, 'keys');
  const created = await runCli(['apps', 'create', APP, '--keys', keys, '--json'], env);
  assert.equal(created.code, 0, created.stderr);
  earlyDevice = join(work.path, 'device-early');
  tufDir = join(work.path, 'tuf');
  await mkdir(join(tufDir, 'metadata'), { recursive: true });
  await mkdir(join(tufDir, 'targets'), { recursive: true });
  await copyFile(join(keys, 'root.json'), join(tufDir, 'metadata', 'root.json'));
});

after(async () => {
  await server?.stop();
  await work?.cleanup();
});

const groupOf = (r: { platform: string; runtimeVersion: string }) => `${r.platform}/${r.runtimeVersion}`;

async function publish(target: TargetArgs, n: number, extra: string[] = []): Promise<Published> {
  const dir = join(work.path, 'bundles', `${target.platform}-${n}`);
  await mkdir(dir, { recursive: true });
  const content = `console.log(${JSON.stringify(`${target.platform} ${n}`)})`;
  await writeFile(join(dir, `index.${target.platform}.bundle`), content);
  const r = await runCli(
    publishArgs({ dir, ...target, keys, extra: ['--keep-releases', KEEP_ARG, '--delta-bases', '0', ...extra] }),
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  const json = r.json as { releaseId: string; versionCode: number };
  const release = {
    releaseId: json.releaseId,
    platform: target.platform!,
    runtimeVersion: target.runtimeVersion!,
    versionCode: json.versionCode,
    content,
  };
  published.push(release);
  return release;
}

/** The releases listing as devices get it: timestamp → snapshot → `<v>.releases.json`. */
async function servedListing(): Promise<Map<string, Listed>> {
  const base = `${server.url}/repo/${APP}/metadata`;
  type Meta = Record<string, { version: number }>;
  const timestamp = await getJson<{ signed: { meta: Meta } }>(`${base}/timestamp.json`);
  const snapshot = await getJson<{ signed: { meta: Meta } }>(
    `${base}/${timestamp.signed.meta['snapshot.json']!.version}.snapshot.json`,
  );
  const releases = await getJson<{
    signed: {
      targets: Record<
        string,
        { length: number; hashes: { sha256: string }; custom: { updraft: Listed & { releaseId: string } } }
      >;
    };
  }>(`${base}/${snapshot.signed.meta['releases.json']!.version}.releases.json`);
  const listed = new Map<string, Listed>();
  for (const [path, t] of Object.entries(releases.signed.targets)) {
    const u = t.custom.updraft;
    assert.equal(path, `manifests/${u.releaseId}.json`);
    const entry = {
      platform: u.platform,
      runtimeVersion: u.runtimeVersion,
      versionCode: u.versionCode,
      sha256: t.hashes.sha256,
      length: t.length,
    };
    listed.set(u.releaseId, entry);
    seen.set(u.releaseId, entry);
  }
  return listed;
}

async function releasesInUse(): Promise<string[]> {
  const res = await fetch(`${server.url}/v1/apps/${APP}/releases-in-use`, {
    headers: { authorization: `Bearer ${server.adminKey}` },
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return (JSON.parse(text) as { releaseIds: string[] }).releaseIds;
}

/**
 * The listing after a publish: at most keep × groups + the releases in use; every release in
 * use and the newest `keep` of each group listed; nothing else, except what was in use when
 * the publisher signed (a channel's previous release it has since moved past).
 */
async function checkListing(inUseBefore: readonly string[], when: string): Promise<Map<string, Listed>> {
  const listed = await servedListing();
  const inUse = await releasesInUse();
  const groups = new Map<string, Published[]>();
  for (const r of published) groups.set(groupOf(r), [...(groups.get(groupOf(r)) ?? []), r]);
  assert.ok(
    listed.size <= KEEP * groups.size + inUse.length,
    `${when}: ${listed.size} releases listed, more than ${KEEP} × ${groups.size} groups + ${inUse.length} in use`,
  );
  const newest = new Set<string>();
  for (const [group, releases] of groups) {
    for (const r of [...releases].sort((a, b) => b.versionCode - a.versionCode).slice(0, KEEP)) {
      newest.add(r.releaseId);
      assert.ok(
        listed.has(r.releaseId),
        `${when}: ${r.releaseId} (${group} v${r.versionCode}) is among the newest ${KEEP} but not listed`,
      );
    }
  }
  for (const id of inUse) assert.ok(listed.has(id), `${when}: ${id} is in use but not listed`);
  for (const id of listed.keys()) {
    assert.ok(
      newest.has(id) || inUse.includes(id) || inUseBefore.includes(id),
      `${when}: ${id} is listed though neither among the newest ${KEEP} of its group nor in use`,
    );
  }
  return listed;
}

async function sync(dir: string, target: TargetArgs) {
  const r = await runCli(deviceSyncArgs({ server: server.url, ...target, root: join(keys, 'root.json'), dir }));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.json as { status: string; release: string };
}

/** Starts the pending release and confirms it, as an app that booted well does; returns its launch file's text. */
async function launchAndConfirm(dir: string): Promise<string> {
  const launch = await runCli(['device', 'launch', '--dir', dir, '--json']);
  assert.equal(launch.code, 0, launch.stderr);
  assert.equal((await runCli(['device', 'ready', '--dir', dir, '--json'])).code, 0);
  return readFile(launch.json!['launchPath'] as string, 'utf8');
}

function tufUpdater(): Updater {
  return new Updater({
    metadataBaseUrl: `${server.url}/repo/${APP}/metadata`,
    targetBaseUrl: `${server.url}/repo/${APP}/targets`,
    metadataDir: join(tufDir, 'metadata'),
    targetDir: join(tufDir, 'targets'),
  });
}

test(`30 publishes with --keep-releases ${KEEP}: the listing stays bounded, production keeps its release, an early device updates`, async () => {
  for (let n = 1; n <= 30; n++) {
    const inUseBefore = await releasesInUse();
    // ios releases may later be promoted to production (so a refused promote is refused for
    // the listing, not for the channel).
    const ios = await publish(IOS, n, ['--allow-channels', 'staging,production']);
    await checkListing(inUseBefore, `after ios ${n}`);
    if (n === 1) {
      const first = await sync(earlyDevice, IOS);
      assert.equal(first.release, ios.releaseId);
      assert.equal(await launchAndConfirm(earlyDevice), ios.content);
    }
    if (n === 2) {
      productionRelease = ios;
      const promoted = await runCli(
        ['release', 'promote', ios.releaseId, '--app', APP, '--channel', 'production', '--json'],
        env,
      );
      assert.equal(promoted.code, 0, promoted.stderr);
    }
    if (n === 3) {
      // An outside TUF client trusts the listing while the first releases are still in it.
      const updater = tufUpdater();
      await updater.refresh();
      assert.ok(await updater.getTargetInfo(`manifests/${published[0]!.releaseId}.json`));
    }
    if (n % 4 === 0) {
      const inUse = await releasesInUse();
      await publish(ANDROID, n / 4);
      await checkListing(inUse, `after android ${n / 4}`);
    }
  }

  const listed = await servedListing();
  const inUse = await releasesInUse();
  assert.equal(listed.size, KEEP * 2 + 1, 'the newest 5 of ios and of android, and the production release');
  assert.ok(inUse.includes(productionRelease.releaseId));
  assert.ok(listed.has(productionRelease.releaseId), 'the release production serves stays listed');
  assert.ok(!listed.has(published[0]!.releaseId), 'the early release was dropped');

  const newestIos = published.filter((r) => r.platform === 'ios').at(-1)!;
  const updated = await sync(earlyDevice, IOS);
  assert.equal(updated.status, 'updated');
  assert.equal(updated.release, newestIos.releaseId, 'a device on a dropped release updates to the newest');
  assert.equal(await launchAndConfirm(earlyDevice), newestIos.content);

  const productionDevice = join(work.path, 'device-production');
  const onProduction = await sync(productionDevice, { ...IOS, channel: 'production' });
  assert.equal(onProduction.release, productionRelease.releaseId, 'production still serves its early release');
  assert.equal(await launchAndConfirm(productionDevice), productionRelease.content);
});

test('a dropped release cannot be promoted, but a rollback to it is published and reaches devices', async () => {
  const dropped = published[2]!;
  const listed = await servedListing();
  assert.ok(!listed.has(dropped.releaseId), 'the third ios release is no longer listed');

  // Its manifest is still served, by the hash it was signed under, for a rollback to fetch.
  const manifest = seen.get(dropped.releaseId)!;
  const bytes = await getBytes(
    `${server.url}/repo/${APP}/targets/manifests/${manifest.sha256}.${dropped.releaseId}.json`,
  );
  assert.equal(bytes.length, manifest.length);
  assert.equal(createHash('sha256').update(bytes).digest('hex'), manifest.sha256);

  // Its signed build provenance still verifies, through the releases version that added it.
  const provenance = await runCli(
    ['release', 'provenance', dropped.releaseId, '--app', APP, '--keys', keys, '--json'],
    env,
  );
  assert.equal(provenance.code, 0, provenance.stdout + provenance.stderr);
  assert.equal(provenance.json?.['releaseId'], dropped.releaseId);
  assert.equal(provenance.json?.['releaseSignatureVerified'], true);
  const shown = await runCli(['release', 'show', dropped.releaseId, '--app', APP, '--keys', keys, '--json'], env);
  assert.equal(
    (shown.json?.['provenance'] as { releaseId?: string } | null)?.releaseId,
    dropped.releaseId,
    shown.stdout,
  );

  for (const extra of [[], ['--start-at', new Date(Date.now() + 86_400_000).toISOString()]]) {
    const promote = await runCli(
      ['release', 'promote', dropped.releaseId, '--app', APP, '--channel', 'production', '--json', ...extra],
      env,
    );
    assert.notEqual(promote.code, 0, `promote ${extra.join(' ')} of a dropped release must be refused`);
    const error = promote.json?.['error'] as { code: string; message: string };
    assert.equal(error.code, 'release-not-listed', promote.stdout);
    assert.match(error.message, /updraft release rollback/);
  }

  const first = published[0]!;
  const inUseBefore = await releasesInUse();
  const rolled = await runCli(
    [
      'release',
      'rollback',
      first.releaseId,
      '--app',
      APP,
      '--channel',
      'staging',
      '--keys',
      keys,
      '--keep-releases',
      KEEP_ARG,
      '--json',
    ],
    env,
  );
  assert.equal(rolled.code, 0, rolled.stderr);
  const rollback = rolled.json as { releaseId: string; versionCode: number };
  const newestIos = published.filter((r) => r.platform === 'ios').at(-1)!;
  assert.equal(rollback.versionCode, newestIos.versionCode + 1);
  published.push({ ...first, releaseId: rollback.releaseId, versionCode: rollback.versionCode });
  const after = await checkListing(inUseBefore, 'after the rollback');
  assert.ok(after.has(rollback.releaseId));
  assert.ok(!after.has(first.releaseId), 'the rollback is a new release; the dropped one stays dropped');

  const device = await sync(earlyDevice, IOS);
  assert.equal(device.release, rollback.releaseId);
  assert.equal(await launchAndConfirm(earlyDevice), first.content, "the device runs the first release's files again");
});

test('release list still shows every release ever published', async () => {
  const list = await runCli(['release', 'list', '--app', APP, '--json'], env);
  assert.equal(list.code, 0, list.stderr);
  const ids = (list.json!['releases'] as { releaseId: string }[]).map((r) => r.releaseId);
  assert.equal(ids.length, published.length);
  assert.deepEqual(new Set(ids), new Set(published.map((r) => r.releaseId)));
});

test('tuf-js refreshes from its earlier trusted metadata after releases were dropped', async () => {
  const updater = tufUpdater();
  await updater.refresh();
  assert.equal(
    await updater.getTargetInfo(`manifests/${published[0]!.releaseId}.json`),
    undefined,
    'a dropped release is no longer a target',
  );
  const rollback = published.at(-1)!;
  const info = await updater.getTargetInfo(`manifests/${rollback.releaseId}.json`);
  assert.ok(info, 'the newest release is a target');
  const path = await updater.downloadTarget(info, join(tufDir, 'targets', 'rollback.json'));
  const manifest = JSON.parse(await readFile(path, 'utf8')) as { releaseId: string; versionCode: number };
  assert.equal(manifest.releaseId, rollback.releaseId);
  assert.equal(manifest.versionCode, rollback.versionCode);
  const production = await updater.getTargetInfo(`manifests/${productionRelease.releaseId}.json`);
  assert.ok(production, 'the release production serves is a target');
});
