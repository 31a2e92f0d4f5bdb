// A file's name says what it is without its folder, and a package's public face is a decision:
// no two source files of one package share a name (so `apps.ts` cannot mean a route here and a
// service there), and no entry point a package exports re-exports a module wholesale with
// `export * from` (a namespace, `export * as name`, is a named export and allowed).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGES = join(ROOT, 'packages');

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The source file of each `exports` entry: dist/x.js → src/x.ts (or the .ts named directly). */
function entryPoints(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(PACKAGES, dir, 'package.json'), 'utf8')) as {
    exports?: Record<string, string | { default?: string }>;
    main?: string;
  };
  const targets = manifest.exports
    ? Object.values(manifest.exports).map((e) => (typeof e === 'string' ? e : (e.default ?? '')))
    : [manifest.main ?? ''];
  return targets
    .filter((t) => /\.(js|ts)$/.test(t))
    .map((t) => join(PACKAGES, dir, t.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')))
    .filter((f) => f.includes(`${join(PACKAGES, dir, 'src')}/`) && existsSync(f));
}

const packages = readdirSync(PACKAGES).filter((d) => existsSync(join(PACKAGES, d, 'package.json')));

test('no two source files of one package share a name', () => {
  const clashes: string[] = [];
  for (const dir of packages) {
    const byName = new Map<string, string[]>();
    for (const file of sourceFiles(join(PACKAGES, dir, 'src'))) {
      const list = byName.get(basename(file)) ?? [];
      list.push(relative(ROOT, file));
      byName.set(basename(file), list);
    }
    for (const [name, files] of byName) if (files.length > 1) clashes.push(`${dir}: ${name} (${files.join(', ')})`);
  }
  assert.deepEqual(clashes, [], 'rename one of each pair so the name says what the file is');
});

test("every package entry point lists its exports by name (no 'export * from')", () => {
  const entries = packages.flatMap(entryPoints);
  // The packages that ship code have entry points; finding none would mean the mapping broke.
  assert.ok(entries.length >= 8, `only ${entries.length} entry points found`);
  const wholesale = entries.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/^export \* from ['"]([^'"]+)['"]/gm)].map(
      (m) => `${relative(ROOT, file)}: export * from '${m[1]}'`,
    ),
  );
  assert.deepEqual(wholesale, [], 'name what the entry point exports');
});
