import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  publishArgs,
  runCli,
  startServerProcess,
  tempDir,
  type CliResult,
  type ServerProcess,
} from '@updraft/test-kit/cli';
import { installResignRefusals, type ResignRefusals } from '@updraft/test-kit/resign-refusals';
import { startPostgres, type PostgresCluster } from '@updraft/test-kit/services';

// A promote, rollout change, halt or resume that the server answers 409 metadata-changed (every
// one of its own runs lost the race to re-sign: other changes of the app landed at the same
// moment) changed nothing: the CLI sends it again a few times, then says what to do. A real
// server on a throwaway PostgreSQL loses exactly the races the test asks for.

const APP = 'com.example.race';
/** Runs of one change on the server before it answers 409 metadata-changed (resign-retry.ts). */
const SERVER_RUNS = 8;

let cluster: PostgresCluster | string;
let server: ServerProcess | undefined;
let refusals: ResignRefusals | undefined;
let work: { path: string; cleanup(): Promise<void> };
let env: Record<string, string>;
let r1: string;

before(async () => {
  work = await tempDir('cli-metadata-changed');
  cluster = await startPostgres();
  if (typeof cluster === 'string') return;
  const url = await cluster.createDatabase();
  server = await startServerProcess(join(work.path, 'server'), { args: ['--database', url] });
  env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  refusals = await installResignRefusals(url);
  const keys = join(work.path, 'keys');
  ok(await runCli(['apps', 'create', APP, '--keys', keys, '--json'], env), 'apps create');
  const dir = join(work.path, 'bundle');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.ios.bundle'), 'console.log("r1")');
  const published = await runCli(
    publishArgs({ app: APP, dir, keys, extra: ['--allow-channels', 'production,staging', '--rollout', '50'] }),
    env,
  );
  ok(published, 'publish');
  r1 = published.json!['releaseId'] as string;
});
after(async () => {
  await refusals?.close();
  await server?.stop();
  if (typeof cluster !== 'string') await cluster?.stop();
  await work?.cleanup();
});

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: ${r.stderr}${r.stdout}`);
}

const release = (...args: string[]) => runCli(['release', ...args, '--app', APP, '--json'], env);

describe('release changes the server answers 409 metadata-changed', () => {
  const test = (name: string, body: () => Promise<void>) =>
    it(name, async (t) => (typeof cluster === 'string' ? t.skip(cluster) : body()));

  test('promote and rollout are sent again and succeed', async () => {
    // The first send loses all of its server runs; the second one wins.
    await refusals!.refuseNext(SERVER_RUNS);
    const promoted = await release('promote', r1, '--channel', 'staging', '--rollout', '20');
    ok(promoted, 'promote');
    assert.equal((promoted.json!['pointer'] as { basisPoints: number }).basisPoints, 2000);

    await refusals!.refuseNext(2 * SERVER_RUNS);
    const rolled = await release('rollout', r1, '75', '--channel', 'production');
    ok(rolled, 'rollout');
    assert.equal(rolled.json!['basisPoints'], 7500);
  });

  test('halt gives up after 4 sends, says what to do, and changed nothing; resume is retried too', async () => {
    await refusals!.refuseNext(4 * SERVER_RUNS);
    const refused = await release('halt', r1, '--channel', 'production');
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    const error = (refused.json as { error: { code: string; message: string; attempts: number } }).error;
    assert.equal(error.code, 'metadata-changed');
    assert.equal(error.attempts, 4);
    assert.match(error.message, /refused this change 4 times in a row/);
    assert.match(error.message, /nothing was changed: wait until those changes are done and run the command again/);
    const shown = await release('show', r1);
    const production = (shown.json!['current'] as { channel: string; halted: boolean }[]).find(
      (p) => p.channel === 'production',
    );
    assert.equal(production?.halted, false, 'the refused halt changed nothing');

    await refusals!.refuseNext(0);
    ok(await release('halt', r1, '--channel', 'production'), 'halt');
    await refusals!.refuseNext(SERVER_RUNS);
    const resumed = await release('resume', r1, '--channel', 'production');
    ok(resumed, 'resume');
    assert.equal(resumed.json!['halted'], false);
  });
});
