// Tests reach shared fixtures through `@updraft/test-kit`, never by a relative path into
// another package or the old root test/helpers: a relative import in a test file stays inside
// its own package (its tests and the source under test; for the root test/ folder, test/).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Tests that still import another package's source or test files by path, with why. This
 * list may only shrink: the test fails when one of them no longer needs its entry.
 */
const KNOWN: Record<string, string> = {};

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    // Fixtures are inputs (apps, exports), not test code.
    if (['node_modules', 'dist', 'fixtures', 'fixture-app'].includes(name) || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (/\.(ts|tsx|mts|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function testFiles(): string[] {
  const out = files(join(ROOT, 'test'));
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    const dir = join(ROOT, 'packages', pkg, pkg === 'test-kit' ? 'src' : 'test');
    try {
      if (statSync(dir).isDirectory()) files(dir, out);
    } catch {
      // a package without tests
    }
  }
  return out;
}

/** The folder a test file's relative imports must stay in. */
function home(file: string): string {
  const parts = relative(ROOT, file).split(sep);
  return parts[0] === 'packages' ? join(ROOT, 'packages', parts[1]!) : join(ROOT, 'test');
}

function leaving(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith('.') && !resolve(dirname(file), spec).startsWith(home(file) + sep));
}

test('no test file imports a relative path outside its own package', () => {
  const all = testFiles();
  assert.ok(all.length > 100, `the walk found the tests (${all.length} files)`);
  const found: Record<string, string> = {};
  for (const file of all) {
    const out = leaving(file);
    if (out.length > 0) found[relative(ROOT, file).split(sep).join('/')] = out.join(' ');
  }
  const unexpected = Object.entries(found).filter(([f, specs]) => KNOWN[f] !== specs);
  assert.deepEqual(
    unexpected,
    [],
    'import shared fixtures and contract suites from @updraft/test-kit (packages/test-kit) instead',
  );
  const stale = Object.keys(KNOWN).filter((f) => !(f in found));
  assert.deepEqual(stale, [], 'these no longer reach outside their package: remove them from KNOWN');
});

test('the structure check catches an import into another package', () => {
  const file = join(ROOT, 'packages/server/test/example.test.ts');
  const spec = '../../../test/helpers/services.js';
  assert.equal(resolve(dirname(file), spec).startsWith(home(file) + sep), false);
  assert.equal(resolve(dirname(file), '../src/index.js').startsWith(home(file) + sep), true);
});

test('every relative import in a test file names a file that exists (fixtures moved to the kit)', () => {
  const missing: string[] = [];
  for (const file of testFiles()) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const base = resolve(dirname(file), fileName);
      const candidates = [
        base,
        base.replace(/\.js$/, '.ts'),
        base.replace(/\.js$/, '.tsx'),
        base.replace(/\.mjs$/, '.mts'),
      ];
      if (!candidates.some((c) => existsSync(c))) missing.push(`${relative(ROOT, file)}: ${fileName}`);
    }
  }
  assert.deepEqual(missing, [], 'shared fixtures live in packages/test-kit: import them from @updraft/test-kit');
});
