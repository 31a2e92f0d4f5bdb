import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';
import type { CliResult, ServerProcess } from '@updraft/test-kit/cli';

// Who may ship, end to end: the real `updraft` binary against a real server process.
// An owner sets up a protected production channel and keys; a developer cannot touch
// production; a CI service account can; everything lands in a verifiable audit log.

let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };
const APP = 'com.example.cp';

before(async () => {
  work = await tempDir('e2e-cp');
  server = await startServerProcess(join(work.path, 'data'));
});
after(async () => {
  await server?.stop();
  await work?.cleanup();
});

const as = (key: string) => ({ UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: key });
const ok = (r: CliResult, what: string) => assert.equal(r.code, 0, `${what}: ${r.stderr}${r.stdout}`);
function refused(r: CliResult, what: string, pattern: RegExp): void {
  assert.notEqual(r.code, 0, `${what} should fail`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line on stderr`);
  assert.match(r.stderr, pattern, what);
}

async function bundle(name: string, content: string): Promise<string> {
  const dir = join(work.path, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.ios.bundle'), content);
  return dir;
}

test('channels, roles, staged rollout, promote, halt, revoke and audit through the CLI', async () => {
  const owner = as(server.adminKey);
  const keysDir = join(work.path, 'keys');
  ok(await runCli(['apps', 'create', APP, '--keys', keysDir, '--json'], owner), 'apps create');
  // A new app has production and staging; protect production.
  ok(await runCli(['channel', 'protect', 'production', '--app', APP, '--json'], owner), 'channel protect');
  ok(await runCli(['channel', 'create', 'qa', '--app', APP, '--json'], owner), 'channel create qa');

  const dev = await runCli(['keys', 'api', 'create', '--name', 'dana', '--role', 'developer', '--json'], owner);
  ok(dev, 'keys api create');
  assert.deepEqual(Object.keys(dev.json!).slice(0, 2), ['id', 'key']);
  const devKey = dev.json!['key'] as string;
  const ci = await runCli(
    [
      'keys',
      'api',
      'create',
      '--name',
      'github-actions',
      '--role',
      'developer',
      '--service',
      '--scopes',
      'read,publish,release',
      '--expires',
      '30d',
      '--json',
    ],
    owner,
  );
  ok(ci, 'keys api create --service');
  const ciKey = ci.json!['key'] as string;

  const publish = (dir: string, env: Record<string, string>, extra: string[] = []) =>
    runCli(
      publishArgs({ dir, app: APP, keys: keysDir, extra: ['--allow-channels', 'production,staging', ...extra] }),
      env,
    );
  const v1 = await publish(await bundle('v1', 'console.log(1)'), as(ciKey));
  ok(v1, 'CI publishes to protected production');
  const v1Id = v1.json!['releaseId'] as string;

  const v2Dir = await bundle('v2', 'console.log(2)');
  refused(await publish(v2Dir, as(devKey), ['--rollout', '25']), 'developer publish to production', /protected/);
  const v2 = await publish(v2Dir, as(ciKey), [
    '--rollout',
    '25',
    '--mandatory',
    '--notes',
    'fixes login',
    '--target-app-version',
    '>=2.0.0',
  ]);
  ok(v2, 'CI publish --rollout 25 --mandatory');
  const v2Id = v2.json!['releaseId'] as string;

  let show = await runCli(['release', 'show', v2Id, '--app', APP, '--json'], as(devKey));
  ok(show, 'release show');
  const current = (
    show.json!['current'] as {
      basisPoints: number;
      mandatory: boolean;
      previousReleaseId: string;
      targeting: unknown;
    }[]
  )[0]!;
  assert.equal(current.basisPoints, 2500);
  assert.equal(current.mandatory, true);
  assert.equal(current.previousReleaseId, v1Id);
  assert.deepEqual(current.targeting, { appVersion: '>=2.0.0' });
  assert.equal(show.json!['notes'], 'fixes login');

  refused(
    await runCli(['release', 'rollout', v2Id, '50', '--app', APP, '--channel', 'production'], as(devKey)),
    'developer rollout',
    /protected/,
  );
  ok(
    await runCli(['release', 'rollout', v2Id, '50', '--app', APP, '--channel', 'production', '--json'], as(ciKey)),
    'CI rollout',
  );
  refused(
    await runCli(['release', 'rollout', v2Id, '101', '--app', APP, '--channel', 'production'], as(ciKey)),
    'rollout 101 %',
    /at most 100/,
  );
  ok(await runCli(['release', 'halt', v2Id, '--app', APP, '--channel', 'production', '--json'], owner), 'halt');
  show = await runCli(['release', 'show', v2Id, '--app', APP, '--json'], owner);
  assert.equal((show.json!['current'] as { halted: boolean }[])[0]!.halted, true);
  ok(await runCli(['release', 'resume', v2Id, '--app', APP, '--channel', 'production', '--json'], owner), 'resume');

  // Staging is not protected: the developer may promote there, without uploading or signing anything.
  const promoted = await runCli(
    ['release', 'promote', v2Id, '--app', APP, '--channel', 'staging', '--rollout', '10', '--json'],
    as(devKey),
  );
  ok(promoted, 'developer promotes to staging');
  assert.equal((promoted.json!['pointer'] as { basisPoints: number }).basisPoints, 1000);

  const channels = await runCli(['channel', 'list', '--app', APP, '--json'], as(devKey));
  ok(channels, 'channel list');
  assert.deepEqual(
    (channels.json!['channels'] as { name: string; protected: boolean }[]).map((c) => [c.name, c.protected]),
    [
      ['production', true],
      ['qa', false],
      ['staging', false],
    ],
  );
  refused(await runCli(['channel', 'protect', 'staging', '--app', APP], as(devKey)), 'developer protect', /admin/);

  const list = await runCli(['keys', 'api', 'list', '--json'], owner);
  ok(list, 'keys api list');
  assert.ok(!list.stdout.includes(devKey), 'keys are never shown again');
  ok(await runCli(['keys', 'api', 'revoke', dev.json!['id'] as string, '--json'], owner), 'revoke');
  refused(await runCli(['release', 'list', '--app', APP], as(devKey)), 'revoked key', /revoked/);

  ok(await runCli(['release', 'disable', v2Id, '--app', APP, '--json'], owner), 'disable');

  const audit = await runCli(['audit', 'list', '--app', APP, '--json'], owner);
  ok(audit, 'audit list');
  const actions = (audit.json!['entries'] as { action: string; actorName: string }[]).map(
    (e) => `${e.action}:${e.actorName}`,
  );
  assert.ok(actions.includes('release.publish:github-actions'));
  assert.ok(actions.includes('release.promote:dana'));
  assert.ok(actions.includes('release.disable:owner'));
  assert.ok(!actions.some((a) => a.startsWith('release.rollout:dana')), 'refused changes are not logged as done');
  const verify = await runCli(['audit', 'verify', '--json'], owner);
  ok(verify, 'audit verify');
  assert.equal(verify.json!['ok'], true);
  ok(await runCli(['audit', 'verify', '--app', APP], owner), 'audit verify --app');
});

test('a channel typo fails naming the channels; --create-channel needs a key that may create channels; --app limits a key', async () => {
  const owner = as(server.adminKey);
  const app = 'com.example.typo';
  const keysDir = join(work.path, 'typo-keys');
  ok(await runCli(['apps', 'create', app, '--keys', keysDir, '--json'], owner), 'apps create');
  const dir = await bundle('typo', 'console.log("typo")');
  const typo = await runCli(publishArgs({ dir, app, keys: keysDir, channel: 'prodution', json: false }), owner);
  refused(typo, 'publish to a typo', /no channel "prodution"; its channels are: production, staging/);
  const channels = await runCli(['channel', 'list', '--app', app, '--json'], owner);
  assert.deepEqual(
    (channels.json!['channels'] as { name: string }[]).map((c) => c.name),
    ['production', 'staging'],
    'the typo created nothing',
  );

  const dev = await runCli(['keys', 'api', 'create', '--name', 'dev', '--role', 'developer', '--json'], owner);
  const devKey = dev.json!['key'] as string;
  refused(
    await runCli(
      publishArgs({ dir, app, keys: keysDir, channel: 'nightly', json: false, extra: ['--create-channel'] }),
      as(devKey),
    ),
    'developer --create-channel',
    /release-manager/,
  );
  ok(
    await runCli(publishArgs({ dir, app, keys: keysDir, channel: 'nightly', extra: ['--create-channel'] }), owner),
    'owner --create-channel',
  );

  const limited = await runCli(
    ['keys', 'api', 'create', '--name', 'ci-typo', '--role', 'developer', '--service', '--app', app, '--json'],
    owner,
  );
  ok(limited, 'keys api create --app');
  assert.deepEqual(limited.json!['apps'], [app]);
  const ciKey = limited.json!['key'] as string;
  ok(await runCli(['channel', 'list', '--app', app, '--json'], as(ciKey)), 'its own app');
  refused(await runCli(['channel', 'list', '--app', APP, '--json'], as(ciKey)), 'another app', /does not exist/);
});

test("the organization's audit webhook through the CLI: shown, set, a refused URL, cleared", async () => {
  const owner = as(server.adminKey);
  const hook = 'https://hooks.example.com/updraft-audit';
  const none = await runCli(['audit', 'webhook', '--json'], owner);
  ok(none, 'audit webhook');
  assert.deepEqual(none.json, { webhookUrl: null });
  const unset = await runCli(['audit', 'webhook'], owner);
  ok(unset, 'audit webhook (human)');
  assert.match(unset.stdout, /^no audit webhook: .*set one with updraft audit webhook --set <https-url>\n$/);

  const set = await runCli(['audit', 'webhook', '--set', hook, '--json'], owner);
  ok(set, 'audit webhook --set');
  assert.deepEqual(set.json, { webhookUrl: hook });
  const shown = await runCli(['audit', 'webhook'], owner);
  ok(shown, 'audit webhook after --set');
  assert.equal(shown.stdout, `audit alerts are posted to ${hook}\n`);

  // The cloud metadata address: a server that posted there could hand its own credentials to
  // whoever may set the URL.
  const metadata = await runCli(['audit', 'webhook', '--set', 'https://169.254.169.254/latest', '--json'], owner);
  refused(
    metadata,
    'a metadata address',
    /the webhook URL may not point at 169\.254\.169\.254.*give --set an https URL/,
  );
  assert.deepEqual(metadata.json!['error'], {
    code: 'bad-webhook-url',
    message: metadata.stderr.replace(/^error: /, '').trim(),
    status: 400,
  });
  refused(
    await runCli(['audit', 'webhook', '--set', 'http://hooks.example.com/updraft-audit'], owner),
    'plain http',
    /the webhook URL must be https/,
  );
  const both = await runCli(['audit', 'webhook', '--set', hook, '--clear'], owner);
  refused(both, '--set and --clear', /give one of --set <https-url>, --clear or --deliveries/);
  assert.equal(both.code, 2);
  assert.deepEqual(
    (await runCli(['audit', 'webhook', '--json'], owner)).json,
    { webhookUrl: hook },
    'refused: unchanged',
  );

  const dev = await runCli(['keys', 'api', 'create', '--name', 'hook-dev', '--role', 'developer', '--json'], owner);
  ok(dev, 'keys api create');
  refused(
    await runCli(['audit', 'webhook', '--clear'], as(dev.json!['key'] as string)),
    'a developer clears the audit webhook',
    /admin/,
  );

  const cleared = await runCli(['audit', 'webhook', '--clear'], owner);
  ok(cleared, 'audit webhook --clear');
  assert.match(cleared.stdout, /^audit webhook cleared: /);
  assert.deepEqual((await runCli(['audit', 'webhook', '--json'], owner)).json, { webhookUrl: null });

  const audit = await runCli(['audit', 'list', '--json'], owner);
  ok(audit, 'audit list');
  const changes = (audit.json!['entries'] as { action: string; details: { host: string | null } }[])
    .filter((e) => e.action === 'audit.webhook')
    .map((e) => e.details.host);
  assert.deepEqual(changes, ['hooks.example.com', null], 'the set and the clear are audited, the refused ones are not');
});
