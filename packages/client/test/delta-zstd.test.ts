import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PATCH_FORMAT_ZSTD_PATCH_FROM } from '@updraft/protocol/delta';
import { jsLikePair } from '@updraft/test-kit/bundles';
import { sha256, TestRepo, type TestPatch } from '@updraft/test-kit/test-repo';
import { device } from './helpers/setup.js';

// Written by the zstd tool (`zstd -19 --long=27 --no-check --patch-from`) for exactly this
// pair: see packages/protocol/test/vectors/make-zstd-vectors.ts.
const { old: v1Bundle, next: v2Bundle } = jsLikePair(120_000, 5);
const vectors = (
  JSON.parse(readFileSync(new URL('../../protocol/test/vectors/zstd-patch-from.json', import.meta.url), 'utf8')) as {
    vectors: { name: string; patch: string }[];
  }
).vectors;
const zstdPatch = new Uint8Array(Buffer.from(vectors[0]!.patch, 'base64'));
const otherSizePatch = new Uint8Array(Buffer.from(vectors[2]!.patch, 'base64'));

const zstd = (bytes: Uint8Array): TestPatch => ({
  from: sha256(v1Bundle),
  bytes,
  format: PATCH_FORMAT_ZSTD_PATCH_FROM,
});

/** v1 installed on a device, then v2 published with the given patches for index.bundle. */
async function updateWith(patches: TestPatch[], base = v1Bundle) {
  const repo = new TestRepo();
  repo.publish({ releaseId: 'r1', versionCode: 1, files: { 'index.bundle': base } });
  const d = await device(repo);
  assert.equal((await d.client.sync()).status, 'updated');
  repo.publish({
    releaseId: 'r2',
    versionCode: 2,
    files: { 'index.bundle': v2Bundle },
    patches: { 'index.bundle': patches },
  });
  d.transport.requests.length = 0;
  const result = await d.client.sync();
  assert.equal(result.status, 'updated');
  const installed = new Uint8Array(await readFile(join(d.dir, 'releases/r2/index.bundle')));
  assert.deepEqual(installed, v2Bundle, 'the right bundle is installed');
  const fullDownloaded = d.transport.requests.includes(repo.url(`targets/files/${sha256(v2Bundle)}`));
  return { result, fullDownloaded };
}

test('a zstd-patch-from patch is applied in pure TypeScript: only the patch crosses the wire', async () => {
  const { result, fullDownloaded } = await updateWith([zstd(zstdPatch)]);
  assert.deepEqual(result.delta, { filesReused: 0, filesPatched: 1, filesDownloaded: 0, patchFailures: [] });
  assert.equal(result.bytesDownloaded, zstdPatch.length);
  assert.ok(!fullDownloaded);
});

async function expectFallback(patch: TestPatch, reasons: string[], base = v1Bundle) {
  const { result, fullDownloaded } = await updateWith([patch], base);
  assert.equal(result.delta?.filesPatched, 0);
  assert.equal(result.delta?.filesDownloaded, 1);
  const failure = result.delta!.patchFailures[0]!;
  assert.ok(reasons.includes(failure.reason), `reason ${failure.reason}: ${failure.message}`);
  assert.ok(fullDownloaded, 'the full file was downloaded');
}

test('a corrupted zstd patch (signed as is) falls back to the full file', async () => {
  const corrupt = zstdPatch.slice();
  for (let i = 20; i < corrupt.length; i += 53) corrupt[i] = corrupt[i]! ^ 0x5a;
  await expectFallback(zstd(corrupt), ['malformed', 'hash']);
});

test('a truncated zstd patch falls back to the full file', async () => {
  await expectFallback(zstd(zstdPatch.slice(0, zstdPatch.length - 10)), ['malformed']);
  await expectFallback(zstd(zstdPatch.slice(0, 5)), ['malformed']);
});

test('a zstd patch applied to another base, or building another size, falls back to the full file', async () => {
  const otherBase = jsLikePair(120_000, 99).old;
  await expectFallback({ ...zstd(zstdPatch), from: sha256(otherBase) }, ['malformed', 'hash'], otherBase);
  await expectFallback(zstd(otherSizePatch), ['malformed']);
});
