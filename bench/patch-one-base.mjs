#!/usr/bin/env node
// Patch generation for one base, stage by stage (not a test): the CPU time of each step
// `updraft publish` takes per (file, base) pair in a patch worker, on the bundle of
// bench/publish-big.mjs (same concatenation, same bases), so a change to the generator is
// measured where it matters without a server. CPU time (this thread; zstd: its process).
//
//   npm run build && node bench/patch-one-base.mjs [--size 10] [--base 0] [--rounds 2]
//
// Needs the compiled bundles in bench/.cache: run bench/publish-big.mjs once first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatenated, PAIRS } from './big-bundle.mjs';

const root = new URL('..', import.meta.url).pathname;
const cache = join(root, 'bench/.cache');
const dist = (f) => import(join(root, 'packages/cli/dist/delta', f));
const { suffixArray } = await dist('suffix-array.js');
const { bsdiff } = await dist('bsdiff.js');
const { applyPatchNode, brotli, patchBrotliQuality } = await dist('encode.js');
const { ZSTD_PATCH_ARGS } = await dist('zstd.js');
const { encodeControls, encodePatchHeader } = await import(join(root, 'packages/protocol/dist/delta.js'));

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const mb = Number(flag('--size', '10'));
const base = Number(flag('--base', '0'));
const rounds = Number(flag('--rounds', '2'));

const read = (name, version, file) => {
  const path = join(cache, `${name}_${version}`, 'package', file.replace(/\.js$/, '.hbc'));
  if (!existsSync(path))
    throw new Error(`${path} is missing: run node bench/publish-big.mjs --sizes 10 --runs 1 first`);
  return readFileSync(path);
};
const olds = PAIRS.map(([name, from, , file]) => read(name, from, file));
const news = PAIRS.map(([name, , to, file]) => read(name, to, file));

const bytes = mb * 1024 * 1024;
const old = new Uint8Array(concatenated([...olds.slice(base), ...olds.slice(0, base)], bytes));
const next = new Uint8Array(concatenated(news, bytes));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const timed = (fn) => {
  const started = cpu();
  const result = fn();
  return [result, Math.round(cpu() - started)];
};

const dir = mkdtempSync(join(tmpdir(), 'updraft-bench-patch-'));
try {
  writeFileSync(join(dir, 'old'), old);
  writeFileSync(join(dir, 'new'), next);
  for (let r = 0; r < rounds; r++) {
    const [sa, saMs] = timed(() => suffixArray(old));
    const [streams, matchMs] = timed(() => bsdiff(old, next, 8, sa));
    const control = encodeControls(streams.controls);
    const payload = Buffer.concat([control, streams.diff, streams.extra]);
    const [body, brotliMs] = timed(() => brotli(payload, patchBrotliQuality(payload.length)));
    const header = encodePatchHeader({
      controlLength: control.length,
      diffLength: streams.diff.length,
      extraLength: streams.extra.length,
      newSize: next.length,
    });
    const patch = Buffer.concat([header, body]);
    const [, selfCheckMs] = timed(() => applyPatchNode(old, patch, next.length));
    // GNU time, when present, gives the zstd process's CPU time; else its wall time.
    const zstdArgv = ['-q', '-f', ...ZSTD_PATCH_ARGS, `--patch-from=${join(dir, 'old')}`, join(dir, 'new')];
    zstdArgv.push('-o', join(dir, 'patch.zst'));
    const started = performance.now();
    const time = existsSync('/usr/bin/time');
    const ran = time
      ? spawnSync('/usr/bin/time', ['-f', 'zstd-cpu %U %S', 'zstd', ...zstdArgv], { encoding: 'utf8' })
      : spawnSync('zstd', zstdArgv, { encoding: 'utf8' });
    if (ran.status !== 0) throw new Error(`zstd failed: ${ran.stderr}`);
    const times = /zstd-cpu ([\d.]+) ([\d.]+)/.exec(ran.stderr);
    const zstdMs = Math.round(times ? (+times[1] + +times[2]) * 1000 : performance.now() - started);
    console.log(
      JSON.stringify({
        size: `${mb} MB`,
        base,
        saMs,
        matchMs,
        brotliMs,
        selfCheckMs,
        zstdMs,
        bsdiffPatchBytes: patch.length,
        zstdPatchBytes: readFileSync(join(dir, 'patch.zst')).length,
      }),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
