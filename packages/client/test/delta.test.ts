import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createPatch } from '@updraft/cli/delta';
import { UpdraftClient } from '../src/client.js';
import { NodeHasher } from '../src/ports/node/hasher.js';
import { NodeStorage } from '../src/ports/node/storage.js';
import { nodeBrotliDecoder } from '../src/ports/node/brotli.js';
import type { UpdraftError } from '@updraft/protocol';
import { binaryLikePair, jsLikePair } from '@updraft/test-kit/bundles';
import { FakeTransport } from './helpers/fake-transport.js';
import { NOW, sha256, TestRepo, type TestPatch } from '@updraft/test-kit/test-repo';
import { device, tempDir } from './helpers/setup.js';

const { old: v1Bundle, next: v2Bundle } = jsLikePair(120_000, 5);
const goodPatch = createPatch(v1Bundle, v2Bundle);

/** v1 installed on a device, then v2 published with the given patches for index.bundle. */
async function updateWith(patches: TestPatch[], options: { brotli?: boolean } = {}) {
  const repo = new TestRepo();
  repo.publish({ releaseId: 'r1', versionCode: 1, files: { 'index.bundle': v1Bundle, 'logo.png': 'PNG' } });
  const dir = await tempDir();
  const transport = new FakeTransport(repo.files);
  const errors: UpdraftError[] = [];
  const client = new UpdraftClient(
    {
      ...repo.deviceTarget(),
      trustedRoot: repo.root(1),
      deviceId: 'd',
    },
    {
      transport,
      storage: new NodeStorage(dir),
      hasher: new NodeHasher(),
      clock: { now: () => NOW },
      ...(options.brotli ? { brotli: nodeBrotliDecoder } : {}),
    },
  );
  client.on('error', (e) => errors.push(e));
  assert.equal((await client.sync()).status, 'updated');
  repo.publish({
    releaseId: 'r2',
    versionCode: 2,
    files: { 'index.bundle': v2Bundle, 'logo.png': 'PNG' },
    patches: { 'index.bundle': patches },
  });
  transport.requests.length = 0;
  const result = await client.sync();
  const installed = await readFile(join(dir, 'releases/r2/index.bundle'));
  return { result, installed: new Uint8Array(installed), transport, errors, repo };
}

const fullUrlOf = (repo: TestRepo, bytes: Uint8Array) => repo.url(`targets/files/${sha256(bytes)}`);

test('a device that holds the base downloads only the patch (pure-JS brotli) and reuses unchanged files', async () => {
  const { result, installed, transport, repo } = await updateWith([{ from: sha256(v1Bundle), bytes: goodPatch }]);
  assert.equal(result.status, 'updated');
  assert.deepEqual(installed, v2Bundle);
  assert.equal(result.bytesDownloaded, goodPatch.length);
  assert.deepEqual(result.delta, { filesReused: 1, filesPatched: 1, filesDownloaded: 0, patchFailures: [] });
  assert.ok(!transport.requests.includes(fullUrlOf(repo, v2Bundle)));
  assert.ok(goodPatch.length * 10 < v2Bundle.length, `patch ${goodPatch.length} vs file ${v2Bundle.length}`);
});

test('the node:zlib decoder builds the same file', async () => {
  const { result, installed } = await updateWith([{ from: sha256(v1Bundle), bytes: goodPatch }], { brotli: true });
  assert.deepEqual(installed, v2Bundle);
  assert.equal(result.delta?.filesPatched, 1);
});

async function expectFallback(patch: TestPatch, reasons: string[], brotli = false) {
  const { result, installed, transport, errors, repo } = await updateWith([patch], { brotli });
  assert.equal(result.status, 'updated');
  assert.deepEqual(installed, v2Bundle, 'the right bundle is installed');
  assert.equal(result.delta?.filesPatched, 0);
  assert.equal(result.delta?.filesDownloaded, 1);
  assert.equal(result.delta?.patchFailures.length, 1);
  const failure = result.delta!.patchFailures[0]!;
  assert.ok(reasons.includes(failure.reason), `reason ${failure.reason}: ${failure.message}`);
  assert.equal(failure.path, 'index.bundle');
  assert.ok(transport.requests.includes(fullUrlOf(repo, v2Bundle)), 'the full file was downloaded');
  assert.ok(
    errors.some((e) => /patch for index.bundle failed/.test(e.message)),
    'an error event reports it',
  );
  return result;
}

test('a corrupted patch (signed as is) falls back to the full file', async () => {
  const corrupt = goodPatch.slice();
  for (let i = 60; i < corrupt.length; i += 97) corrupt[i] = corrupt[i]! ^ 0x5a;
  await expectFallback({ from: sha256(v1Bundle), bytes: corrupt }, ['malformed', 'hash']);
  await expectFallback({ from: sha256(v1Bundle), bytes: corrupt }, ['malformed', 'hash'], true);
});

test('a truncated patch falls back to the full file', async () => {
  const truncated = goodPatch.slice(0, goodPatch.length - 20);
  await expectFallback({ from: sha256(v1Bundle), bytes: truncated }, ['malformed']);
  await expectFallback({ from: sha256(v1Bundle), bytes: truncated }, ['malformed'], true);
  await expectFallback({ from: sha256(v1Bundle), bytes: goodPatch.slice(0, 30) }, ['malformed']);
});

test('a patch made for another base fails the output hash and falls back', async () => {
  const other = jsLikePair(120_000, 99).old;
  const wrongBase = createPatch(other, v2Bundle);
  await expectFallback({ from: sha256(v1Bundle), bytes: wrongBase }, ['hash']);
});

test('a patch longer than its signed length is cut off and falls back', async () => {
  const longer = new Uint8Array([...goodPatch, ...new Uint8Array(500)]);
  const result = await expectFallback({ from: sha256(v1Bundle), bytes: goodPatch, served: longer }, ['length']);
  // Bytes on the wire: the refused patch counts nothing, the full file counts in full.
  assert.equal(result.bytesDownloaded, v2Bundle.length);
});

test('a patch the repository serves with other bytes fails its signed hash and falls back', async () => {
  const tampered = goodPatch.slice();
  tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
  const result = await expectFallback({ from: sha256(v1Bundle), bytes: goodPatch, served: tampered }, ['hash']);
  assert.equal(result.bytesDownloaded, goodPatch.length + v2Bundle.length);
});

test('patches in an unknown format or from a base the device lacks are skipped without a failure', async () => {
  const { result, installed } = await updateWith([
    { from: sha256(v1Bundle), bytes: goodPatch, format: 'zstd-dict' },
    { from: 'f'.repeat(64), bytes: createPatch(new Uint8Array(10), v2Bundle) },
  ]);
  assert.deepEqual(installed, v2Bundle);
  assert.deepEqual(result.delta, { filesReused: 1, filesPatched: 0, filesDownloaded: 1, patchFailures: [] });
});

test('a second usable patch is tried after the first fails', async () => {
  const { result, installed } = await updateWith([
    { from: sha256(v1Bundle), bytes: goodPatch.slice(0, 100) },
    { from: sha256(v1Bundle), bytes: goodPatch },
  ]);
  assert.deepEqual(installed, v2Bundle);
  assert.equal(result.delta?.filesPatched, 1);
  assert.equal(result.delta?.patchFailures.length, 1);
});

test('files of the embedded bundle are reused and patched against, never downloaded', async () => {
  const { old: hbc1, next: hbc2 } = binaryLikePair(80_000, 3);
  const embeddedDir = await tempDir();
  await writeFile(join(embeddedDir, 'main.hbc'), hbc1);
  await writeFile(join(embeddedDir, 'logo.png'), 'PNG');
  const embedded = {
    launchPath: join(embeddedDir, 'main.hbc'),
    files: [
      { path: 'main.hbc', sha256: sha256(hbc1), location: join(embeddedDir, 'main.hbc') },
      { path: 'logo.png', sha256: sha256(new TextEncoder().encode('PNG')), location: join(embeddedDir, 'logo.png') },
    ],
  };
  const repo = new TestRepo();
  const patch = createPatch(hbc1, hbc2);
  repo.publish({
    releaseId: 'r1',
    versionCode: 1,
    files: { 'main.hbc': hbc2, 'logo.png': 'PNG' },
    patches: { 'main.hbc': [{ from: sha256(hbc1), bytes: patch }] },
  });
  const d = await device(repo, { config: { embedded } });
  const result = await d.client.sync();
  assert.equal(result.status, 'updated');
  assert.deepEqual(new Uint8Array(await readFile(join(d.dir, 'releases/r1/main.hbc'))), hbc2);
  assert.deepEqual(result.delta, { filesReused: 1, filesPatched: 1, filesDownloaded: 0, patchFailures: [] });
  assert.equal(result.bytesDownloaded, patch.length);
  assert.deepEqual(d.transport.fileRequests(), [repo.url(`targets/files/${sha256(patch)}`)]);
});

test('an embedded file whose bytes changed on disk is not trusted: it is downloaded', async () => {
  const embeddedDir = await tempDir();
  await writeFile(join(embeddedDir, 'a.js'), 'tampered');
  const repo = new TestRepo();
  repo.publish({ releaseId: 'r1', versionCode: 1, files: { 'a.js': 'original' } });
  const embedded = {
    launchPath: join(embeddedDir, 'a.js'),
    files: [
      { path: 'a.js', sha256: sha256(new TextEncoder().encode('original')), location: join(embeddedDir, 'a.js') },
    ],
  };
  const d = await device(repo, { config: { embedded } });
  const result = await d.client.sync();
  assert.equal(await readFile(join(d.dir, 'releases/r1/a.js'), 'utf8'), 'original');
  assert.equal(result.delta?.filesDownloaded, 1);
});
