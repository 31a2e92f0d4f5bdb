import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storagePathSegments } from '../src/ports/storage-path.js';

// The one rule behind every platform's Storage port (Node, Capacitor, React Native).
test('a storage path is relative and /-separated, and nothing in it can climb out of the root', () => {
  assert.deepEqual(storagePathSegments('releases/r1/index.js'), ['releases', 'r1', 'index.js']);
  for (const bad of ['', '/etc/passwd', 'a\\b', 'a\0b', '../x', 'a/../../x', 'a//b', './a', 'a/', 'a/.']) {
    assert.throws(() => storagePathSegments(bad), /storage path/, JSON.stringify(bad));
  }
});
