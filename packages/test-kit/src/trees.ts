import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import fc from 'fast-check';
import { randomBytes as seededBytes } from './bundles.js';

/**
 * Bundle trees as real apps have them, for publish → sync → launch suites: empty files (an
 * empty launch file too), the same bytes under two paths, folders 10 deep, names with spaces,
 * non-ASCII letters in NFC and in NFD (as macOS writes them), emoji, @2x/@3x assets, and on
 * request thousands of small files and one large file. A tree is relative path → bytes.
 */
export type Tree = Map<string, Uint8Array>;

const enc = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** "é" written as one code point (NFC) and as e + combining accent (NFD, macOS file names). */
export const NFC_NAME = 'caf\u00e9.json';
export const NFD_NAME = 'Mu\u0308ller notes.txt';
const NFD_FOLDER = 're\u0301sume\u0301';

export interface RealisticTreeOptions {
  /** The launch file's path (default index.ios.bundle). */
  launch?: string;
  /** Whether the launch file is empty. */
  emptyLaunch?: boolean;
  /** Small files under assets/many/ (the suites use 2,000 once). */
  manyFiles?: number;
  /** Size of one large incompressible file, assets/video.bin (the suites use 50 MB once). */
  bigFileBytes?: number;
  /** Varies the contents, so a second tree shares some bytes with the first but not all. */
  seed?: number;
}

/** Every rule of the file comment at least once. */
export function realisticTree(opts: RealisticTreeOptions = {}): Tree {
  const seed = opts.seed ?? 1;
  const launch = opts.launch ?? 'index.ios.bundle';
  const logo = seededBytes(3000, 7); // the same bytes under two paths
  const tree: Tree = new Map<string, Uint8Array>([
    [launch, opts.emptyLaunch ? EMPTY : enc.encode(`__d(function(){console.log("release ${seed}")});`)],
    ['assets/empty/.gitkeep', EMPTY],
    ['config/empty.json', EMPTY],
    ['assets/logo.png', logo],
    ['assets/copy of logo.png', logo],
    ['a/b/c/d/e/f/g/h/i/j/deep.json', enc.encode(`{"depth":10,"seed":${seed}}`)],
    ['assets/my icon with spaces.png', seededBytes(500, seed + 11)],
    [`assets/${NFC_NAME}`, enc.encode('{"nfc":true}')],
    [`assets/${NFD_NAME}`, enc.encode('nfd')],
    [`${NFD_FOLDER}/notes.txt`, enc.encode('in an NFD folder')],
    ['assets/🚀 launch.png', seededBytes(700, 13)],
    ['emoji/👍🏽/thumbs.txt', enc.encode('👍🏽')],
    ['assets/images/icon.png', seededBytes(400, 21)],
    ['assets/images/icon@2x.png', seededBytes(800, 22)],
    ['assets/images/icon@3x.png', seededBytes(1200, seed + 23)],
  ]);
  for (let i = 0; i < (opts.manyFiles ?? 0); i++) {
    tree.set(`assets/many/${String(i).padStart(4, '0')}.json`, enc.encode(`{"i":${i},"s":${i % 7 === 0 ? seed : 0}}`));
  }
  if (opts.bigFileBytes) tree.set('assets/video.bin', new Uint8Array(randomBytes(opts.bigFileBytes)));
  return tree;
}

/** Segment names under the same rules, for random trees. */
const SEGMENTS = [
  'main',
  'assets',
  'img',
  'My Folder',
  'with  two spaces',
  'caf\u00e9',
  'cafe\u0301 nfd',
  'Stra\u00dfe',
  'na\u00efve',
  'Z\u00fcrich',
  'Zu\u0308rich nfd',
  '日本語',
  '🚀',
  '👍🏽 ok',
  'icon@2x',
  'icon@3x',
  '.gitkeep',
  'x',
];
const EXTENSIONS = ['', '.png', '.json', '.js', '.txt'];

const contentArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(EMPTY) },
  { weight: 5, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 2048 }) },
  { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 80_000 }).map((n) => seededBytes(n, n)) },
);

const pathArb = fc
  .tuple(
    fc.array(fc.constantFrom(...SEGMENTS), { minLength: 0, maxLength: 9 }),
    fc.constantFrom(...SEGMENTS),
    fc.constantFrom(...EXTENSIONS),
  )
  .map(([dirs, name, ext]) => [...dirs, name + ext].join('/'));

/**
 * Random trees: 1-40 files, 0-10 folders deep, some empty, some sharing bytes with another
 * path, the launch file (`launch`) possibly empty. Paths that would clash on a case- or
 * normalization-insensitive file system (iOS, macOS) are dropped, as is a file whose path is
 * another file's folder.
 */
export function treeArbitrary(launch = 'index.ios.bundle'): fc.Arbitrary<Tree> {
  return fc
    .tuple(contentArb, fc.array(fc.tuple(pathArb, contentArb, fc.nat()), { minLength: 1, maxLength: 40 }))
    .map(([launchBytes, entries]) => {
      const tree: Tree = new Map([[launch, launchBytes]]);
      const key = (p: string) => p.normalize('NFC').toLowerCase();
      const taken = new Set([key(launch)]);
      const folders = new Set<string>();
      for (const [path, bytes, pick] of entries) {
        const parts = path.split('/');
        const parents = parts.slice(0, -1).map((_, i) => key(parts.slice(0, i + 1).join('/')));
        if (taken.has(key(path)) || folders.has(key(path)) || parents.some((p) => taken.has(p))) continue;
        const previous = [...tree.values()];
        // One in four files repeats bytes already in the tree under another path.
        tree.set(path, pick % 4 === 0 ? previous[pick % previous.length]! : bytes);
        taken.add(key(path));
        for (const p of parents) folders.add(p);
      }
      return Object.assign(tree, { [fc.toStringMethod]: () => describeTree(tree) });
    });
}

/** Paths and sizes: what a failing property prints instead of every byte. */
export function describeTree(tree: Tree): string {
  const lines = [...tree].map(([path, bytes]) => `  ${JSON.stringify(path)}: ${bytes.length} bytes`);
  return `tree of ${tree.size} files {\n${lines.join('\n')}\n}`;
}

export async function writeTree(dir: string, tree: Tree): Promise<string> {
  for (const [path, bytes] of tree) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
  return dir;
}

/** Every file under `dir`, by '/'-separated relative path. */
export async function readTree(dir: string): Promise<Tree> {
  const tree: Tree = new Map();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const abs = join(entry.parentPath, entry.name);
    tree.set(relative(dir, abs).split(sep).join('/'), new Uint8Array(await readFile(abs)));
  }
  return tree;
}

/** Paths missing, extra or with other bytes, as short lines (empty when both trees are equal). */
export function treeDifferences(actual: Tree, expected: Tree): string[] {
  const out: string[] = [];
  for (const [path, bytes] of expected) {
    const got = actual.get(path);
    if (!got) out.push(`missing: ${JSON.stringify(path)}`);
    else if (Buffer.compare(got, bytes) !== 0) out.push(`other bytes (${got.length} vs ${bytes.length}): ${path}`);
  }
  for (const path of actual.keys()) if (!expected.has(path)) out.push(`extra: ${JSON.stringify(path)}`);
  return out;
}
