import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { publishArgs, runCli } from '@updraft/test-kit/cli';
import { CliError } from '../src/output.js';
import { parseKeepReleases } from '../src/keep-releases.js';

// `--keep-releases <n>`: how many releases of each platform and runtime version the signed
// listing keeps. A bad value is a usage error (exit 2) before anything is built, read or sent,
// on every command that signs a releases version.

const dir = await mkdtemp(join(tmpdir(), 'updraft-keep-flag-'));
after(() => rm(dir, { recursive: true, force: true }));
// Nothing listens there: a command that got past the flag would fail another way (exit 1).
const env = { UPDRAFT_SERVER: 'http://127.0.0.1:9', UPDRAFT_API_KEY: 'k' };

describe('--keep-releases', () => {
  it('takes a whole number 1–1000, 20 when absent', () => {
    assert.equal(parseKeepReleases(undefined), 20);
    assert.equal(parseKeepReleases('1'), 1);
    assert.equal(parseKeepReleases('1000'), 1000);
    for (const bad of ['0', '1001', '-3', '2.5', '1e2', 'ten', '', ' ']) {
      assert.throws(
        () => parseKeepReleases(bad),
        (err: unknown) =>
          err instanceof CliError &&
          err.exitCode === 2 &&
          err.message.includes('--keep-releases must be a whole number from 1 to 1000'),
        bad,
      );
    }
  });

  const commands: [string, string[]][] = [
    ['publish', publishArgs({ app: 'com.example.app', dir, extra: ['--keep-releases', '0'] })],
    [
      'publish --expo',
      [
        'publish',
        dir,
        '--expo',
        '--app',
        'com.example.app',
        '--runtime-version',
        '1',
        '--channel',
        'production',
        '--keep-releases',
        '1001',
      ],
    ],
    [
      'publish --build',
      [
        'publish',
        dir,
        '--build',
        'react-native',
        '--app',
        'com.example.app',
        '--platform',
        'ios',
        '--runtime-version',
        '1',
        '--channel',
        'production',
        '--keep-releases',
        'x',
      ],
    ],
    [
      'release rollback',
      ['release', 'rollback', 'r1', '--app', 'com.example.app', '--channel', 'production', '--keep-releases', '0'],
    ],
  ];
  for (const [name, args] of commands) {
    it(`${name}: a bad value is a usage error, before anything else`, async () => {
      const r = await runCli(args, env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--keep-releases must be a whole number from 1 to 1000/);
    });
  }

  it('says its default in --help', async () => {
    for (const args of [
      ['publish', '--help'],
      ['release', 'rollback', '--help'],
    ]) {
      const r = await runCli(args);
      assert.match(r.stdout.replace(/\s+/g, ' '), /--keep-releases <n>.*\(default: "20"\)/);
    }
  });
});
