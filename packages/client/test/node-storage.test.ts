import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { NodeHasher } from '../src/ports/node/hasher.js';
import { NodeStorage } from '../src/ports/node/storage.js';
import { sha256 } from '@updraft/test-kit/test-repo';
import { tempDir } from './helpers/setup.js';

const bytes = (s: string) => new TextEncoder().encode(s);

test('writeFileAtomic creates folders, replaces content and leaves no temp file', async () => {
  const dir = await tempDir();
  const s = new NodeStorage(dir);
  await s.writeFileAtomic('a/b/state.json', bytes('one'));
  await s.writeFileAtomic('a/b/state.json', bytes('two'));
  assert.equal(await readFile(join(dir, 'a/b/state.json'), 'utf8'), 'two');
  assert.deepEqual(await readdir(join(dir, 'a/b')), ['state.json']);
  assert.deepEqual(await s.readFile('a/b/state.json'), bytes('two'));
});

test('missing paths: readFile null, listDir empty, remove and exists quiet', async () => {
  const s = new NodeStorage(await tempDir());
  assert.equal(await s.readFile('nope.json'), null);
  assert.deepEqual(await s.listDir('nope'), []);
  assert.equal(await s.exists('nope/deeper'), false);
  await s.remove('nope');
});

test('rename moves a folder, copyFile copies, remove is recursive', async () => {
  const s = new NodeStorage(await tempDir());
  await s.writeFileAtomic('staging/r1/x/y.js', bytes('y'));
  await s.mkdirp('releases');
  await s.rename('staging/r1', 'releases/r1');
  assert.equal(await s.exists('staging/r1'), false);
  await s.copyFile('releases/r1/x/y.js', 'releases/r1/z.js');
  assert.deepEqual(await s.readFile('releases/r1/z.js'), bytes('y'));
  assert.deepEqual(await s.listDir('releases/r1'), ['x', 'z.js']);
  await s.remove('releases/r1');
  assert.deepEqual(await s.listDir('releases'), []);
});

test('resolve never leaves the root folder', async () => {
  const dir = await tempDir();
  const s = new NodeStorage(dir);
  assert.equal(s.resolve('releases/r1/index.js'), join(dir, 'releases', 'r1', 'index.js'));
  for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a\\b', '', './a']) {
    assert.throws(() => s.resolve(bad), /storage path/, bad);
  }
});

test('NodeHasher streams a file to its SHA-256', async () => {
  const s = new NodeStorage(await tempDir());
  const content = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
  await s.writeFileAtomic('big.bin', content);
  assert.equal(await new NodeHasher().sha256File(s.resolve('big.bin')), sha256(content));
});
