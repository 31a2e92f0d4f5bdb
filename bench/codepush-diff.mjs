#!/usr/bin/env node
// CodePush diff packages (not a test): bytes a react-native-code-push device downloads for an
// update, full package vs the diff package Updraft serves to a device on the previous label
// (new and changed files + hotcodepush.json), on the real bundle pairs of bench/delta.mjs.
// Two shapes per pair: the whole npm package folder as a release (many files, few change),
// and the bundle file alone (index.android.bundle). For reference, the same run also gives
// Updraft's own patch of the bundle (bsdiff-brotli, what Updraft's client downloads).
//
//   npm run build && node bench/codepush-diff.mjs [--json out.json]
//
// Packages are fetched as bench/npm-pairs.mjs says.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createPatch } from '../packages/cli/dist/delta/encode.js';
import { diffZip, packageZip } from '../packages/server/dist/domain/codepush/codepush-zip.js';
import { fetchPackage, PAIRS } from './npm-pairs.mjs';

function walk(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p, base) : [{ path: relative(base, p), bytes: new Uint8Array(readFileSync(p)) }];
  });
}

const sha = (b) => createHash('sha256').update(b).digest('hex');
const withHash = (files) => files.map((f) => ({ ...f, sha256: sha(f.bytes) }));
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

function measure(from, to) {
  const full = packageZip(to, null).length;
  const diff = diffZip(new Map(withHash(from).map((f) => [f.path, f.sha256])), withHash(to), null, false).length;
  return { files: to.length, full, diff, saved: full - diff, ratio: diff / full };
}

const rows = [];
for (const [name, a, b, file] of PAIRS) {
  const oldDir = fetchPackage(`${name}@${a}`);
  const newDir = fetchPackage(`${name}@${b}`);
  const folder = measure(walk(oldDir), walk(newDir));
  const oldBundle = new Uint8Array(readFileSync(join(oldDir, file)));
  const newBundle = new Uint8Array(readFileSync(join(newDir, file)));
  const single = measure(
    [{ path: 'index.android.bundle', bytes: oldBundle }],
    [{ path: 'index.android.bundle', bytes: newBundle }],
  );
  const updraftPatch = createPatch(oldBundle, newBundle).length;
  rows.push({
    pair: `${name} ${a} → ${b}`,
    folder,
    bundle: single,
    updraftPatch,
    bundleBytes: statSync(join(newDir, file)).size,
  });
}

console.log(
  '| pair | package folder: files | full zip | diff zip | diff/full | bundle alone: full zip | diff zip | Updraft patch of the bundle |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.pair} | ${r.folder.files} | ${kb(r.folder.full)} | ${kb(r.folder.diff)} | ${r.folder.ratio.toFixed(2)} | ${kb(r.bundle.full)} | ${kb(r.bundle.diff)} | ${kb(r.updraftPatch)} |`,
  );
}
const at = process.argv.indexOf('--json');
if (at > 0) writeFileSync(process.argv[at + 1], JSON.stringify(rows, null, 2));
