import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MMAP_THRESHOLD_TUNABLE, withMallocSettings } from '../src/malloc-settings.js';

// Which glibc malloc settings `serve` adds to its environment, and which of the operator's it keeps.

test('with nothing set, both settings are added', () => {
  assert.deepEqual(withMallocSettings({ PATH: '/bin' }), {
    PATH: '/bin',
    MALLOC_ARENA_MAX: '2',
    GLIBC_TUNABLES: MMAP_THRESHOLD_TUNABLE,
  });
});

test("the operator's own settings are kept; only what is missing is added", () => {
  assert.deepEqual(withMallocSettings({ MALLOC_ARENA_MAX: '8' }), {
    MALLOC_ARENA_MAX: '8',
    GLIBC_TUNABLES: MMAP_THRESHOLD_TUNABLE,
  });
  assert.deepEqual(withMallocSettings({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536' }), {
    GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536',
    MALLOC_ARENA_MAX: '2',
  });
  assert.deepEqual(withMallocSettings({ MALLOC_MMAP_THRESHOLD_: '65536' }), {
    MALLOC_MMAP_THRESHOLD_: '65536',
    MALLOC_ARENA_MAX: '2',
  });
  // Other tunables stay, after the threshold.
  assert.deepEqual(withMallocSettings({ MALLOC_ARENA_MAX: '2', GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0' }), {
    MALLOC_ARENA_MAX: '2',
    GLIBC_TUNABLES: `${MMAP_THRESHOLD_TUNABLE}:glibc.malloc.tcache_count=0`,
  });
});

test('once both are set (as after the re-run) nothing is added: serve runs itself again at most once', () => {
  const once = withMallocSettings({})!;
  assert.equal(withMallocSettings(once), null);
  assert.equal(
    withMallocSettings({ MALLOC_ARENA_MAX: '4', GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=1048576' }),
    null,
  );
});
