import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { appOnServer } from '@updraft/test-kit/app-on-server';
import { publishArgs, runCli } from '@updraft/test-kit/cli';
import { CodePushDevice, folderHash } from '@updraft/test-kit/codepush-device';

// CodePush compatibility (issue 16) against a real `updraft serve`, with the real device-side
// client code: code-push 4.2.3's acquisition SDK through react-native-code-push 9.0.1's
// request adapter. Devices are android binaries of version 1.0.0 holding DEPLOYMENT_KEY.

const APP = 'com.example.codepush';
const DEPLOYMENT_KEY = 'ExistingBinaryKey_0123456789abcdef';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
let privatePem: string;
const fixture = appOnServer(APP, 'e2e-codepush', {
  setUp: async (f) => {
    privatePem = join(f.work.path, 'codepush-private.pem');
    await writeFile(privatePem, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  },
});

async function bundle(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(fixture.work.path, 'bundles', name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

async function publish(
  name: string,
  files: Record<string, string>,
  extra: string[] = ['--codepush-key', privatePem],
  runtimeVersion = '1.0.0',
) {
  const dir = await bundle(name, files);
  const r = await runCli(
    publishArgs({
      dir,
      app: APP,
      platform: 'android',
      runtimeVersion,
      keys: fixture.keys,
      extra: ['--launch', 'index.android.bundle', ...extra],
    }),
    fixture.env,
  );
  return r;
}

async function published(name: string, files: Record<string, string>, extra?: string[], runtimeVersion?: string) {
  const r = await publish(name, files, extra, runtimeVersion);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.json as { releaseId: string; codepush: { label: string; packageHash: string; signed: boolean } };
}

const device = (id: string, appVersion = '1.0.0') =>
  new CodePushDevice(fixture.server.url, DEPLOYMENT_KEY, id, appVersion);
const cli = async (args: string[]) => {
  const r = await runCli([...args, '--app', APP, '--json'], fixture.env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.json!;
};

function assertJwt(jwt: string, packageHash: string) {
  const [h, c, s] = jwt.split('.');
  assert.ok(
    verify('RSA-SHA256', Buffer.from(`${h}.${c}`), rsa.publicKey, Buffer.from(s!, 'base64url')),
    'RS256 verifies',
  );
  const claims = JSON.parse(Buffer.from(c!, 'base64url').toString()) as Record<string, unknown>;
  assert.equal(claims['claimVersion'], '1.0.0');
  assert.equal(claims['contentHash'], packageHash);
}

const V1 = {
  'index.android.bundle': 'console.log("v1");'.repeat(500),
  'assets/logo.png': 'PNG-one',
  'assets/empty.txt': '',
  'assets/größe-日本.json': '{"ü":1}',
  'assets/old.txt': 'to be deleted',
};
const V2 = { ...V1, 'index.android.bundle': 'console.log("v2");'.repeat(500), 'assets/new.txt': 'new' } as Record<
  string,
  string
>;
delete V2['assets/old.txt'];

let r1: Awaited<ReturnType<typeof published>>;
let r2: Awaited<ReturnType<typeof published>>;
let rollbackRelease: string;
let onV1: CodePushDevice;

test('deployment add keeps the key the binaries hold; publish makes signed label v1', async () => {
  const added = await cli([
    'codepush',
    'deployment',
    'add',
    'Production',
    '--channel',
    'production',
    '--platform',
    'android',
    '--key',
    DEPLOYMENT_KEY,
  ]);
  assert.deepEqual(added, {
    deploymentKey: DEPLOYMENT_KEY,
    name: 'Production',
    channel: 'production',
    platform: 'android',
  });
  const none = await device('d-0').check();
  assert.equal(none, null, 'nothing published yet');
  r1 = await published('v1', V1);
  assert.equal(r1.codepush.label, 'v1');
  assert.equal(r1.codepush.signed, true);
  const ls = (await cli(['codepush', 'deployment', 'ls'])) as { deployments: { name: string; currentLabel: string }[] };
  assert.equal(ls.deployments[0]!.currentLabel, 'v1');
});

test('update found and downloaded: Content-Length, zip layout, folder hash, JWT; then no update when current', async () => {
  const d = (onV1 = device('d-1'));
  const pkg = await d.check();
  assert.ok(pkg && 'label' in pkg);
  assert.equal(pkg.label, 'v1');
  assert.equal(pkg.appVersion, '1.0.0');
  assert.equal(pkg.packageHash, r1.codepush.packageHash);
  assert.equal(pkg.isMandatory, false);
  const { response, body, folder } = await d.install(pkg);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-length'), String(body.length));
  assert.equal(response.headers.get('content-encoding'), null);
  assert.match(response.headers.get('cache-control') ?? '', /immutable/);
  assert.equal(pkg.packageSize, body.length);
  const names = Object.keys(unzipSync(body)).sort();
  assert.deepEqual(names, [...Object.keys(V1).map((p) => `CodePush/${p}`), 'CodePush/.codepushrelease'].sort());
  assert.equal(folder.get('CodePush/assets/empty.txt')?.length, 0);
  assert.equal(folderHash(folder), pkg.packageHash);
  assertJwt(new TextDecoder().decode(folder.get('CodePush/.codepushrelease')), pkg.packageHash);
  assert.equal(await d.check(), null, 'no update when the package hash is current');
});

test('publishing unsigned after signed packages is refused before anything is published', async () => {
  const before = (await cli(['release', 'list'])) as { releases: unknown[] };
  const r = await publish('unsigned', { 'index.android.bundle': 'unsigned' }, []);
  assert.notEqual(r.code, 0);
  assert.equal((r.json as { error: { code: string } }).error.code, 'codepush-unsigned');
  assert.equal(((await cli(['release', 'list'])) as { releases: unknown[] }).releases.length, before.releases.length);
});

test('mandatory v2 reaches a v1 device as a diff package that hashes to the new package', async () => {
  r2 = await published('v2', V2, ['--codepush-key', privatePem, '--mandatory']);
  assert.equal(r2.codepush.label, 'v2');
  const d = onV1;
  const full = await device('d-fresh').check();
  const pkg = await d.check();
  assert.ok(pkg && 'label' in pkg && full && 'label' in full);
  assert.equal(pkg.label, 'v2');
  assert.equal(pkg.isMandatory, true);
  assert.notEqual(pkg.downloadUrl, full.downloadUrl, 'a v1 device gets the diff');
  assert.ok(pkg.packageSize < full.packageSize, `diff ${pkg.packageSize} < full ${full.packageSize}`);
  const { body, folder } = await d.install(pkg); // throws unless the folder hash matches
  const entries = Object.keys(unzipSync(body)).sort();
  assert.deepEqual(entries, [
    'CodePush/.codepushrelease',
    'CodePush/assets/new.txt',
    'CodePush/index.android.bundle',
    'hotcodepush.json',
  ]);
  assert.equal(folder.has('CodePush/assets/old.txt'), false);
  assertJwt(new TextDecoder().decode(folder.get('CodePush/.codepushrelease')), pkg.packageHash);
});

test('rollout: 30 % of 4,000 client ids within ±3 points, sticky when it grows; halt keeps devices that have it', async () => {
  const r3 = await published('v3', { ...V2, 'index.android.bundle': 'v3' }, [
    '--codepush-key',
    privatePem,
    '--rollout',
    '30',
  ]);
  // Each release salts the buckets afresh, so the share is binomial: over 1,000 ids a correct
  // split misses ±3 points in about 4 % of runs at 30 % (5 % at 60 %); over 4,000 ids, 1 in 10,000.
  const ids = Array.from({ length: 4000 }, (_, i) => `client-${i}`);
  const on = async () => {
    const got = new Set<string>();
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(
        ids.slice(i, i + 25).map(async (id) => {
          const d = device(id);
          d.current = { label: 'v2', packageHash: r2.codepush.packageHash, folder: new Map() };
          const pkg = await d.check();
          if (pkg && 'label' in pkg && pkg.label === 'v3') got.add(id);
        }),
      );
    }
    return got;
  };
  const at30 = await on();
  assert.ok(Math.abs(at30.size - 1200) <= 120, `${at30.size} of 4000 at 30 %`);
  await cli(['release', 'rollout', r3.releaseId, '60', '--channel', 'production']);
  const at60 = await on();
  assert.ok(Math.abs(at60.size - 2400) <= 120, `${at60.size} of 4000 at 60 %`);
  for (const id of at30) assert.ok(at60.has(id), `${id} left the rollout when it grew`);

  await cli(['release', 'halt', r3.releaseId, '--channel', 'production']);
  assert.equal((await on()).size, 0, 'halted: no new device gets v3');
  const has = device('client-kept');
  has.current = { label: 'v3', packageHash: r3.codepush.packageHash, folder: new Map() };
  assert.equal(await has.check(), null, 'a device on the halted release keeps it');

  await cli(['release', 'disable', r3.releaseId]);
  const back = await has.check();
  assert.ok(back && 'label' in back);
  assert.equal(back.label, 'v2', 'a disabled release: its devices are offered the channel’s release again');
});

test('rollback gives CodePush devices a new label with the earlier contents', async () => {
  const r = await runCli(
    ['release', 'rollback', r1.releaseId, '--channel', 'production', '--app', APP, '--keys', fixture.keys, '--json'],
    fixture.env,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const cp = (r.json as { codepush: { label: string; packageHash: string } }).codepush;
  assert.equal(cp.label, 'v4');
  rollbackRelease = (r.json as { releaseId: string }).releaseId;
  assert.equal(cp.packageHash, r1.codepush.packageHash);
  const d = device('d-rb');
  d.current = { label: 'v2', packageHash: r2.codepush.packageHash, folder: new Map() };
  const pkg = await d.check();
  assert.ok(pkg && 'label' in pkg);
  assert.equal(pkg.label, 'v4');
  assert.equal(pkg.packageHash, r1.codepush.packageHash);
});

test('binary-version targeting: runtime version or --target-app-version; update_app_version for older binaries', async () => {
  const r = await published('v2bin', { 'index.android.bundle': 'for 2.0' }, ['--codepush-key', privatePem], '2.0.0');
  assert.equal(
    ((await device('b-1', '2.0').check()) as { label: string }).label,
    r.codepush.label,
    '"2.0" means 2.0.0',
  );
  const old = await device('b-2', '1.0.0').check();
  assert.equal((old as { label: string }).label, 'v4', 'a 1.0.0 binary keeps its own runtime’s release');
  const ranged = await published(
    'v3bin',
    { 'index.android.bundle': 'for 3.x' },
    ['--codepush-key', privatePem, '--target-app-version', '>=3.0.0 <4.0.0'],
    '3',
  );
  assert.equal(((await device('b-3', '3.4.1').check()) as { label: string }).label, ranged.codepush.label);
  const older = await device('b-4', '2.5.0').check();
  assert.deepEqual(older, { updateAppVersion: true, appVersion: '>=3.0.0 <4.0.0' });
});

test('status reports: 200, visible in release insight, a repeated report counts once', async () => {
  const d = device('reporter');
  const pkg = await d.check();
  assert.ok(pkg && 'label' in pkg);
  await d.reportDownload(pkg.label);
  await d.reportDeploy('DeploymentSucceeded', pkg.label);
  await d.reportDeploy('DeploymentSucceeded', pkg.label);
  await device('failer').reportDeploy('DeploymentFailed', pkg.label);
  assert.equal(pkg.label, 'v4');
  const insight = (await cli(['release', 'insight', rollbackRelease])) as { totals: Record<string, number> };
  assert.equal(insight.totals['installed'], 1);
  assert.equal(insight.totals['download_completed'], 1);
  assert.equal(insight.totals['rollback'], 1);
  assert.equal(insight.totals['launched'], 2);
});

test('legacy endpoints (react-native-code-push ≤ 5.6): camelCase query and updateInfo', async () => {
  const q = new URLSearchParams({ deploymentKey: DEPLOYMENT_KEY, appVersion: '1.0.0', clientUniqueId: 'legacy-1' });
  const res = await fetch(`${fixture.server.url}/updateCheck?${q}`);
  assert.equal(res.status, 200);
  const { updateInfo } = (await res.json()) as { updateInfo: Record<string, unknown> };
  assert.equal(updateInfo['isAvailable'], true);
  assert.equal(updateInfo['label'], 'v4');
  assert.match(String(updateInfo['downloadURL']), /^http:\/\/127\.0\.0\.1:\d+\/v0\.1\/public\/codepush\/download\//);
  for (const kind of ['deploy', 'download']) {
    const r = await fetch(`${fixture.server.url}/reportStatus/${kind}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        deploymentKey: DEPLOYMENT_KEY,
        appVersion: '1.0.0',
        clientUniqueId: 'legacy-1',
        label: 'v4',
        status: 'DeploymentSucceeded',
      }),
    });
    assert.equal(r.status, 200);
  }
});

test('bad deployment key → 404 JSON; malformed queries and reports → 400; never 5xx', async () => {
  const q = (params: Record<string, string>) =>
    fetch(`${fixture.server.url}/v0.1/public/codepush/update_check?${new URLSearchParams(params)}`);
  const notFound = await q({ deployment_key: 'NoSuchKey_123456', app_version: '1.0.0' });
  assert.equal(notFound.status, 404);
  assert.equal(((await notFound.json()) as { error: { code: string } }).error.code, 'deployment-not-found');
  const badQueries: Record<string, string>[] = [
    {},
    { deployment_key: DEPLOYMENT_KEY },
    { deployment_key: DEPLOYMENT_KEY, app_version: 'not a version' },
    { deployment_key: DEPLOYMENT_KEY, app_version: '' },
    { deployment_key: 'k'.repeat(500), app_version: '1.0.0' },
  ];
  for (const params of badQueries) {
    const r = await q(params);
    assert.equal(r.status, 400, JSON.stringify(params));
    assert.ok(((await r.json()) as { error: { message: string } }).error.message);
  }
  const weird = ['%', '\u0000', '💥', '1.0.0-', '1.0.0+build', '99999999999999999999.0.0', '1.0.0 || 2'];
  for (const w of weird) {
    for (const field of ['app_version', 'package_hash', 'label', 'client_unique_id', 'is_companion']) {
      const r = await q({ deployment_key: DEPLOYMENT_KEY, app_version: '1.0.0', [field]: w });
      assert.ok(r.status < 500, `${field}=${JSON.stringify(w)} gave ${r.status}`);
    }
  }
  for (const body of [
    '{',
    '[]',
    '{"deployment_key":5}',
    JSON.stringify({ deployment_key: DEPLOYMENT_KEY, label: 'v999999999999' }),
  ]) {
    const r = await fetch(`${fixture.server.url}/v0.1/public/codepush/report_status/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.ok(r.status < 500 && r.status !== 201, `${body} gave ${r.status}`);
  }
  const missing = await fetch(`${fixture.server.url}/v0.1/public/codepush/download/${APP}/${'0'.repeat(64)}.zip`);
  assert.equal(missing.status, 404);
});

test('the server refuses a package whose hash or signature does not match the signed release, and unsigned after signed', async () => {
  const put = (releaseId: string, body: unknown) =>
    fetch(`${fixture.server.url}/v1/apps/${APP}/codepush/packages/${releaseId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${fixture.server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  // A release published while no deployment followed its channel has no CodePush package yet.
  const dir = await bundle('beta', { 'index.android.bundle': 'beta' });
  const r = await runCli(
    publishArgs({
      dir,
      app: APP,
      platform: 'android',
      runtimeVersion: '9.9.9',
      channel: 'beta',
      keys: fixture.keys,
      extra: ['--launch', 'index.android.bundle', '--allow-channels', 'beta,production', '--create-channel'],
    }),
    fixture.env,
  );
  assert.equal(r.code, 0, r.stderr);
  const releaseId = (r.json as { releaseId: string }).releaseId;
  const wrongHash = await put(releaseId, {
    packageHash: r1.codepush.packageHash,
    signature: null,
    targetAppVersion: null,
  });
  assert.equal(wrongHash.status, 400);
  assert.equal(((await wrongHash.json()) as { error: { code: string } }).error.code, 'codepush-hash-mismatch');
  const { codePushPackageHash } = await import('@updraft/protocol');
  const hash = codePushPackageHash([
    { path: 'index.android.bundle', sha256: createHash('sha256').update('beta').digest('hex') },
  ]);
  // A signature over another package's contents (a replay of a real signed JWT) is refused.
  const stolen = (await device('sig').check()) as { downloadUrl: string };
  const jwt = new TextDecoder().decode(
    unzipSync(new Uint8Array(await (await fetch(stolen.downloadUrl)).arrayBuffer()))['CodePush/.codepushrelease'],
  );
  const replayed = await put(releaseId, { packageHash: hash, signature: jwt, targetAppVersion: null });
  assert.equal(replayed.status, 400);
  assert.equal(((await replayed.json()) as { error: { code: string } }).error.code, 'codepush-bad-signature');
  // Production was signed: an unsigned package is refused there even through the API.
  await cli(['release', 'promote', releaseId, '--channel', 'production']);
  const unsigned = await put(releaseId, { packageHash: hash, signature: null, targetAppVersion: null });
  assert.equal(unsigned.status, 409);
  assert.equal(((await unsigned.json()) as { error: { code: string } }).error.code, 'codepush-unsigned');
});

test('client ids are never stored: the database holds no trace of one after its reports', async () => {
  const id = 'device-id-that-must-not-be-stored-7f3a';
  const d = device(id);
  const pkg = await d.check();
  assert.ok(pkg && 'label' in pkg);
  await d.reportDownload(pkg.label);
  await d.reportDeploy('DeploymentSucceeded', pkg.label);
  for (const f of ['updraft.db', 'updraft.db-wal']) {
    const bytes = await readFile(join(fixture.server.dataDir, f)).catch(() => Buffer.alloc(0));
    assert.equal(bytes.includes(Buffer.from(id)), false, `${f} holds the client id`);
  }
});
