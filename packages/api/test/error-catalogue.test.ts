import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ERROR_CATALOGUE, ErrorCode, isErrorCode } from '@updraft/api';

const API_MD = new URL('../../../docs/api.md', import.meta.url);

test('docs/api.md lists every catalogue code with its status and no code the catalogue lacks', async () => {
  const doc = await readFile(API_MD, 'utf8');
  const rows = new Map<string, string>();
  for (const m of doc.matchAll(/^\| `([a-z0-9-]+)` +\| ([0-9, ]+?) +\|/gm)) rows.set(m[1]!, m[2]!.trim());
  for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
    const statuses = [entry.status, ...('alsoStatus' in entry ? entry.alsoStatus : [])].join(', ');
    assert.equal(
      rows.get(code),
      statuses,
      `docs/api.md's error-code table lacks "${code}" (${statuses}) or has another status`,
    );
  }
  for (const code of rows.keys())
    assert.ok(isErrorCode(code), `docs/api.md documents "${code}", which the catalogue lacks`);
});

test('every named constant is a catalogue code and every catalogue code has a name', () => {
  const named = new Set<string>(Object.values(ErrorCode));
  assert.equal(named.size, Object.values(ErrorCode).length, 'two names for one code');
  assert.deepEqual([...named].sort(), Object.keys(ERROR_CATALOGUE).sort());
  assert.equal(isErrorCode('no-such-code'), false);
  assert.equal(isErrorCode('toString'), false);
});
