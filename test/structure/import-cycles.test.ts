// No import cycle anywhere: every TypeScript source file of every package (tests included) and
// of the root test/ folder, with relative imports and `@updraft/<package>[/sub]` imports resolved
// to the files they name (through each package.json `exports` map, exact and `*` entries alike,
// as Node resolves them), forms a graph without cycles. Type-only imports count too: a cycle of
// types is still two modules that cannot be understood, moved or tested apart.
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

type ExportsField = string | Record<string, unknown>;

interface Workspace {
  name: string;
  dir: string;
  exports: Record<string, unknown>;
}

/** Every workspace package with its `exports` map (a bare `exports`/`main` becomes the `.` entry). */
function workspaces(): Workspace[] {
  const out: Workspace[] = [];
  for (const dir of readdirSync(PACKAGES)) {
    const manifestPath = join(PACKAGES, dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name: string;
      main?: string;
      exports?: ExportsField;
    };
    const field = manifest.exports ?? manifest.main ?? './dist/index.js';
    // An `exports` object either maps subpaths (keys starting with '.') or is the conditions
    // of the '.' entry alone.
    const exports =
      typeof field === 'string' || !Object.keys(field).every((k) => k.startsWith('.')) ? { '.': field } : field;
    out.push({ name: manifest.name, dir: join(PACKAGES, dir), exports });
  }
  return out;
}

/**
 * The source file a bare `@updraft/…` specifier names, resolved as Node resolves a package's
 * `exports`: an exact subpath first, else the `*` pattern with the longest matching prefix,
 * its capture substituted into the target; then the dist target mapped back to its source.
 */
function resolvePackageSpecifier(packages: Workspace[], specifier: string): string | undefined {
  const pkg = packages.find((p) => specifier === p.name || specifier.startsWith(`${p.name}/`));
  if (!pkg) return undefined;
  const subpath = `.${specifier.slice(pkg.name.length)}`;
  let target: unknown = pkg.exports[subpath];
  if (target === undefined) {
    let best: { prefix: string; capture: string; target: unknown } | undefined;
    for (const [key, value] of Object.entries(pkg.exports)) {
      const star = key.indexOf('*');
      if (star < 0 || key.indexOf('*', star + 1) >= 0) continue;
      const prefix = key.slice(0, star);
      const suffix = key.slice(star + 1);
      if (
        subpath.length >= key.length - 1 &&
        subpath.startsWith(prefix) &&
        subpath.endsWith(suffix) &&
        (!best || prefix.length > best.prefix.length)
      ) {
        best = { prefix, capture: subpath.slice(prefix.length, subpath.length - suffix.length), target: value };
      }
    }
    if (!best) return undefined;
    target = substitute(best.target, best.capture);
  }
  const file = firstString(target);
  return file === undefined ? undefined : distToSource(pkg.dir, file);
}

function substitute(target: unknown, capture: string): unknown {
  if (typeof target === 'string') return target.split('*').join(capture);
  if (target && typeof target === 'object') {
    return Object.fromEntries(Object.entries(target).map(([k, v]) => [k, substitute(v, capture)]));
  }
  return target;
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

interface ImportGraph {
  graph: Map<string, string[]>;
  /** `@updraft/…` specifiers no export of their package names: a cycle through them would hide. */
  unresolved: string[];
}

function importGraph(): ImportGraph {
  const packages = workspaces();
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of [...sourceFiles(PACKAGES), ...sourceFiles(join(ROOT, 'test'))]) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets: string[] = [];
    for (const { fileName } of info.importedFiles) {
      const target = fileName.startsWith('.')
        ? resolveRelative(file, fileName)
        : resolvePackageSpecifier(packages, fileName);
      if (target) targets.push(target);
      else if (fileName.startsWith('@updraft/')) unresolved.push(`${relative(ROOT, file)}: ${fileName}`);
    }
    graph.set(file, targets);
  }
  return { graph, unresolved };
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
  const { graph, unresolved } = importGraph();
  assert.ok(graph.size > 100, `the walk found the sources (${graph.size} files)`);
  const edges = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
  assert.ok(edges > graph.size, `imports were resolved (${edges} edges)`);
  assert.deepEqual(unresolved, [], 'every @updraft/… import resolves through its package.json exports');
  const found = cycles(graph).map((c) => c.map((f) => relative(ROOT, f)).sort());
  assert.deepEqual(found, [], `import cycles:\n${found.map((c) => `  ${c.join(' ⇄ ')}`).join('\n')}`);
});

test('package imports resolve through exact and wildcard exports to source files', () => {
  const packages = workspaces();
  const source = (specifier: string): string | undefined => {
    const file = resolvePackageSpecifier(packages, specifier);
    return file && relative(ROOT, file);
  };
  assert.equal(source('@updraft/protocol'), 'packages/protocol/src/index.ts');
  assert.equal(source('@updraft/protocol/delta'), 'packages/protocol/src/delta.ts');
  assert.equal(source('@updraft/client/node'), 'packages/client/src/ports/node/node-adapter.ts');
  assert.equal(source('@updraft/test-kit'), 'packages/test-kit/src/index.ts');
  assert.equal(source('@updraft/test-kit/cli'), 'packages/test-kit/src/cli.ts');
  assert.equal(source('@updraft/test-kit/contract/blob-store'), 'packages/test-kit/src/contract/blob-store.ts');
  assert.equal(source('@updraft/protocol/not-exported'), undefined);

  // Node's rules on a made-up map: exact before pattern, the longest pattern prefix wins,
  // conditions are followed, and every '*' of the target takes the capture.
  const made: Workspace = {
    name: '@x/kit',
    dir: join(PACKAGES, 'test-kit'),
    exports: {
      './*': './src/*.ts',
      './contract/*': { types: './dist/contract/*.d.ts', default: './dist/contract/*.js' },
      './cli': './src/index.ts',
    },
  };
  const resolveMade = (specifier: string): string | undefined => {
    const file = resolvePackageSpecifier([made], specifier);
    return file && relative(ROOT, file);
  };
  assert.equal(resolveMade('@x/kit/cli'), 'packages/test-kit/src/index.ts');
  assert.equal(resolveMade('@x/kit/services'), 'packages/test-kit/src/services.ts');
  assert.equal(resolveMade('@x/kit/contract/blob-store'), 'packages/test-kit/src/contract/blob-store.ts');
  assert.equal(resolveMade('@x/kit'), undefined);
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
