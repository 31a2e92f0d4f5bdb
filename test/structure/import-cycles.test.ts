// No import cycle anywhere: every TypeScript source file of every package (tests included),
// with relative imports and `@updraft/<package>` imports resolved to the files they name,
// forms a graph without cycles. Type-only imports count too: a cycle of types is still two
// modules that cannot be understood, moved or tested apart.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGES = join(ROOT, 'packages');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** `@updraft/x[/sub]` → the source file its package.json `exports` (or src/index) names. */
function packageEntries(): Map<string, string> {
  const entries = new Map<string, string>();
  for (const dir of readdirSync(PACKAGES)) {
    const manifestPath = join(PACKAGES, dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name: string;
      exports?: string | Record<string, unknown>;
    };
    const exportsField =
      typeof manifest.exports === 'string' || manifest.exports === undefined
        ? { '.': manifest.exports ?? './dist/index.js' }
        : manifest.exports;
    for (const [subpath, target] of Object.entries(exportsField)) {
      const file = firstString(target);
      if (!file) continue;
      const source = distToSource(join(PACKAGES, dir), file);
      if (source) entries.set(subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`, source);
    }
  }
  return entries;
}

function firstString(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (target && typeof target === 'object') {
    const conditions = target as Record<string, unknown>;
    for (const key of ['import', 'default', 'types', ...Object.keys(conditions)]) {
      const found = firstString(conditions[key]);
      if (found) return found;
    }
  }
  return undefined;
}

function distToSource(packageDir: string, file: string): string | undefined {
  const candidates = [file.replace(/^\.\/dist\//, './src/'), file]
    .flatMap((f) => [f, f.replace(/\.d\.ts$/, '.ts'), f.replace(/\.js$/, '.ts'), f.replace(/\.js$/, '.tsx')])
    .map((f) => join(packageDir, f));
  return candidates.find((c) => existsSync(c) && statSync(c).isFile() && /\.(ts|tsx)$/.test(c));
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.tsx'),
    base.replace(/\.mjs$/, '.mts'),
    `${base}.ts`,
    `${base}.tsx`,
    join(base, 'index.ts'),
    join(base, 'index.tsx'),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile() && /\.(ts|tsx|mts)$/.test(c));
}

function importGraph(): Map<string, string[]> {
  const entries = packageEntries();
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(PACKAGES)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets: string[] = [];
    for (const { fileName } of info.importedFiles) {
      const target = fileName.startsWith('.') ? resolveRelative(file, fileName) : entries.get(fileName);
      if (target) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** Tarjan's strongly connected components; any component of two or more files is a cycle. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) found.push(component);
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

test('no import cycle in any package', () => {
  const graph = importGraph();
  assert.ok(graph.size > 100, `the walk found the sources (${graph.size} files)`);
  const edges = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
  assert.ok(edges > graph.size, `imports were resolved (${edges} edges)`);
  const found = cycles(graph).map((c) => c.map((f) => relative(ROOT, f)).sort());
  assert.deepEqual(found, [], `import cycles:\n${found.map((c) => `  ${c.join(' ⇄ ')}`).join('\n')}`);
});

test('the cycle finder finds a cycle', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
    ['e', ['e']],
  ]);
  const found = cycles(graph).map((c) => c.sort());
  assert.deepEqual(found.sort(), [['a', 'b', 'c'], ['e']]);
});
