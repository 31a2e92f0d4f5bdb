import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { canonicalBytes, hexToBytes } from '@updraft/protocol';
import {
  base64Encode,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  provenanceStatement,
  verifyProvenance,
} from '@updraft/protocol/transparency';
import { generateKeyFile, localSigner, publicKeyOf } from '@updraft/signing';
import { buildEnvironment, gitState } from '../src/provenance.js';

// Provenance names the git state of the folder that is published, with the real git: not the
// state of the directory the CLI runs in, and whether the checkout had uncommitted changes.

const hasGit = spawnSync('git', ['--version']).status === 0;
const work = await mkdtemp(join(tmpdir(), 'updraft-provenance-git-'));
after(() => rm(work, { recursive: true, force: true }));

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  }).trim();
}

async function repo(name: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(join(dir, 'app', 'build'), { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  await writeFile(join(dir, '.gitignore'), 'build/\n');
  await writeFile(join(dir, 'app', 'index.ts'), 'export {};\n');
  await writeFile(join(dir, 'app', 'build', 'main.jsbundle'), 'bundle');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', `first commit of ${name}`);
  return dir;
}

test(
  'the published folder’s checkout is recorded, not the working directory’s',
  { skip: !hasGit && 'needs git' },
  async () => {
    const other = await repo('other');
    const published = await repo('published');
    git(published, 'remote', 'add', 'origin', 'https://git.example.com/team/app.git');
    const folder = join(published, 'app', 'build');
    const cwd = process.cwd();
    process.chdir(other); // the CLI runs somewhere else, inside another checkout
    try {
      const state = gitState(folder);
      assert.equal(state.commit, git(published, 'rev-parse', 'HEAD'));
      assert.notEqual(state.commit, git(other, 'rev-parse', 'HEAD'));
      assert.equal(state.repository, 'https://git.example.com/team/app.git');
      assert.equal(state.ref, 'refs/heads/main');
      assert.equal(state.path, 'app/build');
      assert.equal(state.dirty, false, 'ignored build output does not make the checkout dirty');
    } finally {
      process.chdir(cwd);
    }
  },
);

test(
  'uncommitted changes are recorded as dirty, and survive the signed statement',
  { skip: !hasGit && 'needs git' },
  async () => {
    const dir = await repo('dirty');
    const folder = join(dir, 'app', 'build');
    await writeFile(join(dir, 'app', 'index.ts'), 'export const changed = 1;\n');
    assert.equal(gitState(folder).dirty, true, 'a modified tracked file');
    git(dir, 'checkout', '--', 'app/index.ts');
    await writeFile(join(dir, 'app', 'new.ts'), 'export {};\n');
    assert.equal(gitState(folder).dirty, true, 'an untracked source file');

    const env = buildEnvironment(folder, { UPDRAFT_BUILDER_ID: 'test-builder' });
    const statement = provenanceStatement({
      subjects: [{ name: 'manifests/r1.json', sha256: 'a'.repeat(64) }],
      builderId: env.builderId,
      appId: 'com.example.app',
      releaseId: 'r1',
      platform: 'ios',
      runtimeVersion: '1.0.0',
      channel: 'production',
      source: env.source,
      startedOn: '2026-01-01T00:00:00Z',
      finishedOn: '2026-01-01T00:00:01Z',
      invocationId: null,
    });
    const source = (statement['predicate'] as { buildDefinition: { externalParameters: { source: unknown } } })
      .buildDefinition.externalParameters.source;
    assert.deepEqual(source, {
      repository: null,
      ref: 'refs/heads/main',
      commit: git(dir, 'rev-parse', 'HEAD'),
      dirty: true,
      path: 'app/build',
    });
    // Signed as publish signs it, read back as `release provenance` and the dashboard read it.
    const key = generateKeyFile('ed25519');
    const payload = canonicalBytes(statement);
    const signer = localSigner(key);
    const sig = base64Encode(hexToBytes(await signer.sign(pae(IN_TOTO_PAYLOAD_TYPE, payload))));
    const envelope = {
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      payload: base64Encode(payload),
      signatures: [{ keyid: signer.keyId, sig }],
    };
    const summary = verifyProvenance(envelope, publicKeyOf(key));
    assert.equal(summary.dirty, true);
    assert.equal(summary.commit, git(dir, 'rev-parse', 'HEAD'), 'the commit is kept even without a remote');
  },
);

test('a folder outside any checkout records no git state', async () => {
  const plain = join(work, 'plain');
  await mkdir(plain, { recursive: true });
  assert.deepEqual(gitState(plain), { repository: null, commit: null, ref: null, dirty: null, path: null });
});
