import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PATCH_FORMAT_BSDIFF_BROTLI, PATCH_FORMAT_ZSTD_PATCH_FROM } from '@updraft/protocol/delta';
import { createPatch } from '../src/delta/encode.js';
import { smallestPatch } from '../src/delta/publish-patches.js';
import { createZstdPatch, forgetZstdBinary } from '../src/delta/zstd.js';
import { binaryLikePair, jsLikePair } from '@updraft/test-kit/bundles';

const hasZstd = spawnSync('zstd', ['--version']).status === 0;
const needsZstd = hasZstd ? {} : { skip: 'the zstd tool is not installed (apt-get install zstd)' };
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const saved = process.env['UPDRAFT_ZSTD'];
async function withZstd<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (value === undefined) delete process.env['UPDRAFT_ZSTD'];
  else process.env['UPDRAFT_ZSTD'] = value;
  forgetZstdBinary();
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env['UPDRAFT_ZSTD'];
    else process.env['UPDRAFT_ZSTD'] = saved;
    forgetZstdBinary();
  }
}
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const js = jsLikePair(120_000, 5);
const bytecode = binaryLikePair(120_000, 5);

test('per file the smaller format wins: zstd on JS-like text, bsdiff on bytecode-like binary', needsZstd, async () => {
  await withZstd(undefined, async () => {
    const formats: string[] = [];
    for (const { old, next } of [js, bytecode]) {
      const bsdiff = createPatch(old, next).length;
      const zstd = (await createZstdPatch(old, next))!.length;
      const chosen = (await smallestPatch(old, next, sha256(next), 'f'))!;
      assert.equal(chosen.bytes.length, Math.min(bsdiff, zstd), `bsdiff ${bsdiff}, zstd ${zstd}`);
      formats.push(chosen.format);
    }
    // Both branches are exercised, so the choice is tested rather than assumed.
    assert.deepEqual(formats, [PATCH_FORMAT_ZSTD_PATCH_FROM, PATCH_FORMAT_BSDIFF_BROTLI]);
  });
});

test('without zstd (UPDRAFT_ZSTD=off or a missing binary) publishing keeps to bsdiff-brotli', async () => {
  for (const setting of ['off', '/nonexistent/zstd']) {
    await withZstd(setting, async () => {
      assert.equal(await createZstdPatch(js.old, js.next), null);
      const chosen = (await smallestPatch(js.old, js.next, sha256(js.next), 'f'))!;
      assert.equal(chosen.format, PATCH_FORMAT_BSDIFF_BROTLI);
    });
  }
});

test('a zstd that writes a frame the device cannot apply is not used: the self-check drops it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'updraft-fake-zstd-'));
  dirs.push(dir);
  const fake = join(dir, 'zstd');
  // Answers --version, then writes a tiny bogus "patch" that would win on size.
  await writeFile(
    fake,
    '#!/bin/sh\nfor a; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done\n[ -n "$out" ] && printf "\\050\\265\\057\\375bogus" > "$out"\nexit 0\n',
  );
  await chmod(fake, 0o755);
  await withZstd(fake, async () => {
    const bogus = await createZstdPatch(js.old, js.next);
    assert.ok(bogus && bogus.length < 20, 'the fake tool ran');
    const chosen = (await smallestPatch(js.old, js.next, sha256(js.next), 'f'))!;
    assert.equal(chosen.format, PATCH_FORMAT_BSDIFF_BROTLI);
  });
});
