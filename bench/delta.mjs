#!/usr/bin/env node
// Delta benchmark (not a test): patch sizes of Updraft's patches — per file the smaller of
// bsdiff-brotli and zstd-patch-from, as `updraft publish` chooses — against Debian's bsdiff,
// xdelta3 -9 and zstd -19 --long=27 --patch-from on real npm bundles, as plain JS and as
// Hermes bytecode, all measured in this run; plus generate/apply times in Node.
//
//   apt-get install bsdiff xdelta3 zstd      # the reference tools
//   npm run build && node bench/delta.mjs [--json out.json]
//
// Packages are fetched with `npm pack` into bench/.cache (gitignored, never committed);
// hermesc comes from the npm package hermes-compiler, fetched the same way.
import { existsSync, mkdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { brotliDecompressSync } from 'node:zlib';
import { createPatch, brotli } from '../packages/cli/dist/delta/encode.js';
import { createZstdPatch } from '../packages/cli/dist/delta/zstd.js';
import { cache, fetchPackage, PAIRS, sh } from './npm-pairs.mjs';
import {
  applyPatchChunks,
  applyZstdPatch,
  decodePatchHeader,
  payloadLength,
  PATCH_HEADER_LENGTH,
} from '../packages/protocol/dist/index.js';

const HERMES_COMPILER = 'hermes-compiler@260318099.0.6';

function hermesc() {
  const bin = join(fetchPackage(HERMES_COMPILER), 'hermesc/linux64-bin/hermesc');
  if (!existsSync(bin)) throw new Error(`${HERMES_COMPILER} has no linux64 hermesc`);
  return bin;
}

function toHermes(jsPath) {
  const out = jsPath.replace(/\.js$/, '.hbc');
  if (!existsSync(out)) sh(hermesc(), ['-O', '-emit-binary', '-w', '-out', out, jsPath]);
  return out;
}

function bestOf(runs, fn) {
  let best = Infinity;
  for (let run = 0; run < runs; run++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

function tool(name, args, outFile) {
  sh(name, args);
  return statSync(outFile).size;
}

async function measure(label, oldPath, newPath) {
  const work = join(cache, 'work');
  mkdirSync(work, { recursive: true });
  const oldBytes = new Uint8Array(readFileSync(oldPath));
  const newBytes = new Uint8Array(readFileSync(newPath));

  const t0 = performance.now();
  const patch = createPatch(oldBytes, newBytes);
  const generateMs = performance.now() - t0;
  // Apply as the Node device does: zlib brotli, then the pure-TS bspatch streamed in chunks.
  const bsdiffApplyMs = bestOf(5, () => {
    const header = decodePatchHeader(patch, newBytes.length, 4 * newBytes.length + (1 << 20));
    const payload = brotliDecompressSync(patch.subarray(PATCH_HEADER_LENGTH), {
      maxOutputLength: payloadLength(header),
    });
    let n = 0;
    for (const chunk of applyPatchChunks(oldBytes, new Uint8Array(payload), header)) n += chunk.length;
    if (n !== newBytes.length) throw new Error(`${label}: applied ${n} bytes`);
  });

  // zstd-patch-from as the publisher makes it (zstd -19 --long=27 --single-thread --no-check), applied by the
  // device's pure-TS decoder.
  const t2 = performance.now();
  const zstdPatch = await createZstdPatch(oldBytes, newBytes);
  const zstdGenerateMs = performance.now() - t2;
  if (!zstdPatch) throw new Error('zstd is not installed');
  let rebuilt;
  const zstdApplyMs = bestOf(5, () => {
    rebuilt = applyZstdPatch(oldBytes, zstdPatch, newBytes.length);
  });
  if (Buffer.compare(rebuilt, newBytes) !== 0) throw new Error(`${label}: zstd patch does not rebuild the file`);
  const zstdWins = zstdPatch.length < patch.length;

  const bsdiffSize = tool('bsdiff', [oldPath, newPath, join(work, 'p.bsdiff')], join(work, 'p.bsdiff'));
  const xdeltaSize = tool(
    'xdelta3',
    ['-9', '-e', '-f', '-s', oldPath, newPath, join(work, 'p.xd3')],
    join(work, 'p.xd3'),
  );
  const zstdSize = tool(
    'zstd',
    ['-q', '-f', '-19', '--long=27', `--patch-from=${oldPath}`, newPath, '-o', join(work, 'p.zst')],
    join(work, 'p.zst'),
  );
  const fullBrotli = brotli(newBytes).length;
  return {
    pair: label,
    oldBytes: oldBytes.length,
    newBytes: newBytes.length,
    fullBrotli,
    updraft: Math.min(patch.length, zstdPatch.length),
    format: zstdWins ? 'zstd-patch-from' : 'bsdiff-brotli',
    bsdiffBrotli: patch.length,
    zstdPatchFrom: zstdPatch.length,
    bsdiff: bsdiffSize,
    xdelta3: xdeltaSize,
    zstd: zstdSize,
    // Publishing makes both, so generating costs both.
    generateMs: Math.round(generateMs + zstdGenerateMs),
    bsdiffGenerateMs: Math.round(generateMs),
    zstdGenerateMs: Math.round(zstdGenerateMs),
    applyMs: Math.round((zstdWins ? zstdApplyMs : bsdiffApplyMs) * 10) / 10,
    zstdApplyMs: Math.round(zstdApplyMs * 10) / 10,
  };
}

const rows = [];
for (const [name, from, to, file] of PAIRS) {
  const oldJs = join(fetchPackage(`${name}@${from}`), file);
  const newJs = join(fetchPackage(`${name}@${to}`), file);
  const label = `${name} ${from}→${to}`;
  rows.push({ kind: 'js', ...(await measure(label, oldJs, newJs)) });
  rows.push({ kind: 'hermes', ...(await measure(label, toHermes(oldJs), toHermes(newJs))) });
}

const pct = (a, b) => `${((100 * a) / b).toFixed(1)} %`;
console.log(
  '| pair | kind | new size | brotli full | **updraft** (format) | bsdiff-brotli | zstd-patch-from | bsdiff | xdelta3 -9 | zstd -19 --long=27 | updraft / min(bsdiff, zstd) | generate | apply | zstd-patch-from apply |',
);
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
let wins = 0;
for (const r of rows) {
  const ref = Math.min(r.bsdiff, r.zstd);
  if (r.updraft <= ref) wins++;
  const format = r.format === 'zstd-patch-from' ? 'zstd' : 'bsdiff';
  console.log(
    `| ${r.pair} | ${r.kind} | ${r.newBytes} | ${r.fullBrotli} | **${r.updraft}** (${format}) | ${r.bsdiffBrotli} | ${r.zstdPatchFrom} | ${r.bsdiff} | ${r.xdelta3} | ${r.zstd} | ${pct(r.updraft, ref)} | ${r.generateMs} ms | ${r.applyMs} ms | ${r.zstdApplyMs} ms |`,
  );
}
console.log(`\nupdraft ≤ min(bsdiff, zstd) on ${wins} of ${rows.length} pairs (target: ≥ 80 %)`);
const jsonAt = process.argv.indexOf('--json');
if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1], JSON.stringify(rows, null, 2));
