import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  applyNativeBoot,
  BOOT_POINTER_PATH,
  BOOT_POINTER_SCHEMA,
  NATIVE_BOOT_RULES,
  type BootPointer,
} from '@updraft/client';

// One boot rule in three languages: applyNativeBoot (TypeScript, run by the engine's tests at
// every fault) and the native glue that runs before any JavaScript (Swift, Kotlin). No Swift
// or Android toolchain runs here, so the native code is held to the same decision table:
// every row marked where it is implemented, in the table's order, and the same constants.

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = {
  swift: join(PACKAGE_ROOT, 'ios/UpdraftBoot.swift'),
  kotlin: join(PACKAGE_ROOT, 'android/src/main/java/dev/updraft/UpdraftBoot.kt'),
};
const IDS = NATIVE_BOOT_RULES.map(([id]) => id);

for (const [language, path] of Object.entries(SOURCES)) {
  test(`${language} boot glue implements every row of NATIVE_BOOT_RULES, in order, and only those`, async () => {
    const source = await readFile(path, 'utf8');
    const marked = [...source.matchAll(/\/\/ rule ([a-z-]+)/g)].map((m) => m[1]);
    assert.deepEqual(marked, IDS);
    // The constants the rule depends on, spelled as applyNativeBoot's module spells them.
    assert.ok(source.includes(`"${BOOT_POINTER_SCHEMA}"`), 'the pointer schema');
    assert.ok(source.includes(`"${BOOT_POINTER_PATH}"`), 'the pointer file');
    assert.match(source, /"releases\/\\\(id\)\/\\\(launch\)"|"releases\/\$id\/\$launch"/, 'releases/<id>/<launch>');
    assert.match(source, /64/, 'rolledBack keeps the last 64');
    assert.match(source, /"maxLaunchAttempts"[\])]?\s*(as\? Int \?\? 1|, 1\))/, 'maxLaunchAttempts defaults to 1');
    assert.match(source, /"trialLaunches"[\])]?\s*(as\? Int \?\? 0|, 0\))/, 'trialLaunches defaults to 0');
  });
}

const release = (id: string) => ({ releaseId: id, versionCode: 1, epoch: 0, launch: 'index.bundle' });
const pointer = (p: Partial<BootPointer>): BootPointer => ({
  schema: BOOT_POINTER_SCHEMA,
  maxLaunchAttempts: 1,
  confirmed: null,
  fallback: null,
  trial: null,
  trialLaunches: 0,
  pending: null,
  rolledBack: [],
  ...p,
});

test('each row of NATIVE_BOOT_RULES is what applyNativeBoot applies in its case', () => {
  const all = () => true;
  const none = () => false;
  const cases: [BootPointer, (p: string) => boolean, string[]][] = [
    [pointer({ trial: release('t'), confirmed: release('c') }), all, ['trial-again']],
    [
      pointer({ trial: release('t'), trialLaunches: 1, confirmed: release('c') }),
      all,
      ['trial-rollback', 'run-installed'],
    ],
    [pointer({ pending: release('p') }), all, ['pending-to-trial']],
    [pointer({ pending: release('p') }), none, ['pending-drop', 'run-embedded']],
    [pointer({ confirmed: release('c') }), (p) => p.includes('/c/'), ['run-installed']],
    [pointer({ confirmed: release('c'), fallback: release('f') }), none, ['run-embedded']],
  ];
  for (const [p, exists, applied] of cases) assert.deepEqual(applyNativeBoot(p, exists).applied, applied);
  assert.deepEqual(
    new Set(cases.flatMap(([, , a]) => a)),
    new Set(IDS.filter((id) => id !== 'write-first')),
    "every row but the caller's write is covered",
  );
});

test('applyNativeBoot applies rows in table order, and runs a file only when it exists', () => {
  const maybe = fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: null });
  fc.assert(
    fc.property(
      maybe,
      maybe,
      maybe,
      maybe,
      fc.nat(3),
      fc.integer({ min: 1, max: 3 }),
      fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd')),
      (c, f, t, p, launches, max, present) => {
        const ptr = pointer({
          confirmed: c ? release(c) : null,
          fallback: f ? release(f) : null,
          trial: t ? release(t) : null,
          pending: p ? release(p) : null,
          trialLaunches: launches,
          maxLaunchAttempts: max,
        });
        const exists = (path: string) => present.some((id) => path === `releases/${id}/index.bundle`);
        const d = applyNativeBoot(ptr, exists);
        const order = d.applied.map((r) => IDS.indexOf(r));
        assert.deepEqual(
          order,
          [...order].sort((x, y) => x - y),
        );
        if (d.launch !== null) assert.ok(exists(d.launch));
        else assert.ok(d.applied.includes('run-embedded'));
      },
    ),
  );
});
