import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { test } from 'node:test';

/**
 * The core runs on Hermes. tsconfig.core.json already hides Node's types from it; this
 * also catches what types cannot (a bare side-effect import, a require).
 */
test('the core imports no Node built-in and uses no Node global', async () => {
  const src = join(import.meta.dirname, '../src');
  // Every file of the core, in every folder except the Node adapter (ports/node).
  const files = (await readdir(src, { recursive: true })).filter(
    (f) => f.endsWith('.ts') && !f.split(sep).join('/').startsWith('ports/node/'),
  );
  assert.ok(files.length > 5);
  for (const f of files) {
    const code = (await readFile(join(src, f), 'utf8')).replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
    assert.doesNotMatch(code, /from\s+['"](node:|fs|path|crypto|os|http|https|stream|zlib)['"/]/, f);
    assert.doesNotMatch(code, /\bimport\s+['"]node:/, f);
    assert.doesNotMatch(code, /\b(require\(|Buffer\b|process\.|__dirname)/, f);
  }
});
