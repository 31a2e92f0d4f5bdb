import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { CLI, REPO_ROOT } from '@updraft/test-kit/cli';

// The CLI starts fast enough to feel instant because `--version`, help and usage errors load
// only commander and the command definitions: each command imports its work (the server,
// the admin client, signing, the protocol, the build tools) when it runs. A static import of
// one of those on the start path costs a noticeable part of a second; this test names it.

const RECORDER = fileURLToPath(new URL('./fixtures/record-loads.mjs', import.meta.url));

/** What the start path must not load, as a part of a module's path and why it is heavy. */
const HEAVY: [pattern: RegExp, what: string][] = [
  [/\/node_modules\/fastify\//, 'fastify'],
  [/\/node_modules\/kysely\//, 'kysely'],
  [/\/node_modules\/better-sqlite3\//, 'better-sqlite3'],
  [/\/node_modules\/pg\//, 'pg'],
  [/\/node_modules\/@aws-sdk\//, '@aws-sdk/*'],
  [/\/node_modules\/esbuild\//, 'esbuild'],
  [/\/node_modules\/node-forge\//, 'node-forge (through @expo/code-signing-certificates)'],
  [/\/node_modules\/@expo\/code-signing-certificates\//, '@expo/code-signing-certificates'],
  [/\/node_modules\/@tufjs\//, '@tufjs/*'],
  [/\/node_modules\/@noble\//, '@noble/* (signatures)'],
  [/\/node_modules\/brotli\//, 'brotli'],
  [/\/node_modules\/ignore\//, 'ignore'],
  [/\/packages\/server\/|\/@updraft\/server\//, '@updraft/server'],
  [/\/packages\/client\/|\/@updraft\/client\//, '@updraft/client'],
  // protocol, api and signing: only their import-free vocabulary (role, platform and scope
  // names the help texts list) and the signing error type.
  [/\/(packages|@updraft)\/protocol\/dist\/(?!(vocabulary|roles|platforms)\.js$)/, '@updraft/protocol'],
  [/\/(packages|@updraft)\/api\/dist\/(?!vocabulary\.js$)/, '@updraft/api'],
  [/\/(packages|@updraft)\/signing\/dist\/(?!(vocabulary|errors)\.js$)/, '@updraft/signing'],
];

const dir = await mkdtemp(join(tmpdir(), 'updraft-start-path-'));
after(() => rm(dir, { recursive: true, force: true }));

let runs = 0;
/** The modules `updraft <args>` loads, and how it ended. */
async function loads(args: string[]): Promise<{ modules: string[]; status: number | null; stderr: string }> {
  const log = join(dir, `loads-${++runs}.txt`);
  const run = spawnSync(process.execPath, ['--import', RECORDER, CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', UPDRAFT_LOAD_LOG: log, UPDRAFT_SERVER: '', UPDRAFT_API_KEY: '' },
    encoding: 'utf8',
  });
  const modules = [...new Set((await readFile(log, 'utf8')).split('\n').filter(Boolean))];
  return { modules, status: run.status, stderr: run.stderr };
}

function heavyIn(modules: string[]): string[] {
  return HEAVY.flatMap(([pattern, what]) => {
    const hit = modules.find((m) => pattern.test(m));
    return hit ? [`${what}: ${hit}`] : [];
  });
}

describe('the start path', () => {
  const cases: [args: string[], status: number][] = [
    [['--version'], 0],
    [['--help'], 0],
    [['publish', '--help'], 0],
    [['serve', '--help'], 0],
    [['keys', '--help'], 0],
    [['keys', 'rotate', '--help'], 0],
    [['apps', 'expiry', '--help'], 0],
    [['expo', '--help'], 0],
    [['help', 'release'], 0],
    // Usage errors: commander's (a missing argument, an unknown flag) and a command's own.
    [['apps', 'create'], 2],
    [['publish', '--no-such-flag'], 2],
    [['nosuchcommand'], 2],
  ];
  for (const [args, status] of cases) {
    it(`updraft ${args.join(' ')} loads none of the heavy packages`, async () => {
      const run = await loads(args);
      assert.equal(run.status, status, run.stderr);
      assert.deepEqual(heavyIn(run.modules), [], `loaded on the start path of updraft ${args.join(' ')}`);
    });
  }

  it('the recorder sees a command that does its work load it', async () => {
    // `keys generate` writes a key: it loads the signing package. Without this, a recorder
    // that saw nothing would pass every case above.
    const run = await loads(['keys', 'generate', '--out', join(dir, 'k.json')]);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(
      heavyIn(run.modules).some((h) => h.startsWith('@updraft/signing')),
      run.modules.join('\n'),
    );
  });
});
