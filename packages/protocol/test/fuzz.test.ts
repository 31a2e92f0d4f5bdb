import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  bytesToHex,
  canonicalBytes,
  canonicalize,
  keyId,
  loadTrustedRoot,
  parseJsonObject,
  parseManifest,
  parsePointerCustom,
  parseReleaseCustom,
  parseRoot,
  parseSnapshot,
  parseTargets,
  parseTimestamp,
  sha256Hex,
  utf8Encode,
  verifyRootUpdate,
  verifySnapshot,
  verifyTimestamp,
  UpdraftError,
  type TufKey,
} from '../src/index.js';

// Property and fuzz tests: every parser and verifier of untrusted bytes, fed random and
// malformed input, either returns or throws UpdraftError — never another exception, never a
// hang. Mutated signed metadata never verifies unless it still means exactly the same.

const NOW = Date.parse('2026-06-01T00:00:00Z');
const RUNS = { numRuns: 300 };

/** Runs fn; returns 'ok', or the UpdraftError reason; fails the test on any other throw. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof UpdraftError) return err.reason;
    throw new Error(`not an UpdraftError: ${(err as Error)?.stack ?? String(err)}`);
  }
}

function keyPair() {
  const secret = ed25519.utils.randomSecretKey();
  const key: TufKey = {
    keytype: 'ed25519',
    scheme: 'ed25519',
    keyval: { public: bytesToHex(ed25519.getPublicKey(secret)) },
  };
  return { secret, key, id: keyId(key) };
}

function envelope(signed: Record<string, unknown>, signers: ReturnType<typeof keyPair>[]): Uint8Array {
  const signatures = signers.map((s) => ({
    keyid: s.id,
    sig: bytesToHex(ed25519.sign(canonicalBytes(signed), s.secret)),
  }));
  return utf8Encode(JSON.stringify({ signed, signatures }));
}

const rootKey = keyPair();
const tsKey = keyPair();
const snapKey = keyPair();
const expires = '2030-01-01T00:00:00Z';
const rootSigned = {
  _type: 'root',
  spec_version: '1.0.31',
  version: 1,
  expires,
  consistent_snapshot: true,
  keys: { [rootKey.id]: rootKey.key, [tsKey.id]: tsKey.key, [snapKey.id]: snapKey.key },
  roles: {
    root: { keyids: [rootKey.id], threshold: 1 },
    targets: { keyids: [rootKey.id], threshold: 1 },
    snapshot: { keyids: [snapKey.id], threshold: 1 },
    timestamp: { keyids: [tsKey.id], threshold: 1 },
  },
};
const root = loadTrustedRoot(envelope(rootSigned, [rootKey])).signed;
const snapshotBytes = envelope(
  {
    _type: 'snapshot',
    spec_version: '1.0.31',
    version: 3,
    expires,
    meta: {
      'targets.json': { version: 1, length: 10, hashes: { sha256: 'a'.repeat(64) } },
      'releases.json': { version: 2, length: 10, hashes: { sha256: 'b'.repeat(64) } },
    },
  },
  [snapKey],
);
const timestampSigned = {
  _type: 'timestamp',
  spec_version: '1.0.31',
  version: 7,
  expires,
  meta: { 'snapshot.json': { version: 3, length: snapshotBytes.length, hashes: { sha256: sha256Hex(snapshotBytes) } } },
};
const timestampBytes = envelope(timestampSigned, [tsKey]);

const parsers: [string, (v: unknown) => unknown][] = [
  ['parseRoot', parseRoot],
  ['parseTimestamp', parseTimestamp],
  ['parseSnapshot', parseSnapshot],
  ['parseTargets', parseTargets],
  ['parseManifest', parseManifest],
  ['parseReleaseCustom', (v) => parseReleaseCustom(v as Record<string, unknown>, 'custom')],
  ['parsePointerCustom', (v) => parsePointerCustom(v as Record<string, unknown>, 'custom')],
];

test('sanity: the valid metadata verifies (so the properties below can fail)', () => {
  const ts = verifyTimestamp(root, timestampBytes, null, NOW);
  assert.equal(ts.signed.version, 7);
  assert.equal(verifySnapshot(root, snapshotBytes, ts.signed, null, NOW).signed.version, 3);
});

test('parseJsonObject: random bytes are an object or `malformed`, never a crash', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
      const r = outcome(() => parseJsonObject(bytes, 'x'));
      assert.ok(r === 'ok' || r === 'malformed', r);
    }),
    { numRuns: 1000 },
  );
});

test('parseJsonObject: random JSON text is an object or `malformed`', () => {
  fc.assert(
    fc.property(fc.json({ depthSize: 'medium' }), (text) => {
      const r = outcome(() => parseJsonObject(utf8Encode(text), 'x'));
      assert.ok(r === 'ok' || r === 'malformed', r);
    }),
    RUNS,
  );
});

test('every parser: any JSON value is parsed or refused as `malformed`', () => {
  for (const [name, parse] of parsers) {
    fc.assert(
      fc.property(fc.jsonValue({ depthSize: 'medium' }), (value) => {
        const r = outcome(() => parse(value));
        assert.ok(r === 'ok' || r === 'malformed', `${name}: ${r}`);
      }),
      { numRuns: 150 },
    );
  }
});

/** Valid metadata with one field (at any depth) replaced by a random JSON value or removed. */
function mutateField(value: unknown, path: number[], replacement: unknown, remove: boolean): unknown {
  if (value === null || typeof value !== 'object') return replacement;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? [...value]
    : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return replacement;
  const key = keys[path[0]! % keys.length]!;
  const rest = path.slice(1);
  if (rest.length === 0) {
    if (remove && !Array.isArray(copy)) delete (copy as Record<string, unknown>)[key];
    else (copy as Record<string, unknown>)[key] = replacement;
  } else
    (copy as Record<string, unknown>)[key] = mutateField(
      (copy as Record<string, unknown>)[key],
      rest,
      replacement,
      remove,
    );
  return copy;
}

test('wrong types, huge numbers and missing fields in metadata: parsed or `malformed`', () => {
  const valid = JSON.parse(new TextDecoder().decode(timestampBytes)) as unknown;
  const odd = fc.oneof(
    fc.jsonValue(),
    fc.constantFrom(1e308, -1, 2 ** 53 + 1, 1.5, -0, '', 'x'.repeat(100_000), [], {}, null, true),
  );
  fc.assert(
    fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), odd, fc.boolean(), (path, replacement, remove) => {
      const mutated = mutateField(valid, path, replacement, remove);
      for (const [name, parse] of parsers.slice(0, 4)) {
        const r = outcome(() => parse(mutated));
        assert.ok(r === 'ok' || r === 'malformed', `${name}: ${r}`);
      }
      // As bytes through the verifier: a changed signed part must not verify.
      const r = outcome(() => verifyTimestamp(root, utf8Encode(JSON.stringify(mutated)), null, NOW));
      if (r === 'ok') {
        const same = canonicalize((mutated as { signed: unknown }).signed) === canonicalize(timestampSigned);
        assert.ok(same, 'only an equivalent timestamp may verify');
      }
    }),
    { numRuns: 500 },
  );
});

test('byte flips, truncation and insertion in signed metadata: refused unless meaning is unchanged', () => {
  fc.assert(
    fc.property(
      fc.nat({ max: timestampBytes.length - 1 }),
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom('flip', 'truncate', 'insert'),
      (at, byte, how) => {
        const b = Array.from(timestampBytes);
        if (how === 'flip') b[at] = byte;
        else if (how === 'truncate') b.length = at;
        else b.splice(at, 0, byte);
        let verified: ReturnType<typeof verifyTimestamp> | null = null;
        const r = outcome(() => (verified = verifyTimestamp(root, Uint8Array.from(b), null, NOW)));
        if (r === 'ok') assert.equal(canonicalize(verified!.signed), canonicalize(timestampSigned));
      },
    ),
    { numRuns: 1000 },
  );
});

test('deep nesting is refused quickly (no stack overflow on a small JS engine)', () => {
  for (const depth of [65, 1000, 100_000]) {
    for (const [open, close] of [
      ['[', ']'],
      ['{"a":', '}'],
    ] as const) {
      const text = open.repeat(depth) + '1' + close.repeat(depth);
      const started = Date.now();
      assert.equal(
        outcome(() => parseJsonObject(utf8Encode(`{"x":${text}}`), 'x')),
        'malformed',
      );
      assert.ok(Date.now() - started < 1000);
    }
  }
  assert.equal(
    outcome(() => parseJsonObject(utf8Encode(`{"x":${'['.repeat(60)}${']'.repeat(60)}}`), 'x')),
    'ok',
  );
});

test('duplicate keys are refused, also when written with escapes, at any depth', () => {
  const text = new TextDecoder().decode(timestampBytes);
  for (const dup of [
    text.replace('"version":7', '"version":7,"version":8'),
    text.replace('"version":7', '"version":7,"\\u0076ersion":8'),
    text.replace('{"signed"', '{"signatures":[],"signed"'),
  ]) {
    assert.equal(
      outcome(() => verifyTimestamp(root, utf8Encode(dup), null, NOW)),
      'malformed',
      dup.slice(0, 80),
    );
  }
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue(), fc.jsonValue(), (key, a, b) => {
      const k = JSON.stringify(key);
      const obj = `{"outer":[{${k}:${JSON.stringify(a)},${k}:${JSON.stringify(b)}}]}`;
      assert.equal(
        outcome(() => parseJsonObject(utf8Encode(obj), 'x')),
        'malformed',
      );
    }),
    RUNS,
  );
});

test('non-canonical encodings: equivalent JSON verifies to the same content, invalid UTF-8 is `malformed`', () => {
  const pretty = utf8Encode(JSON.stringify(JSON.parse(new TextDecoder().decode(timestampBytes)), null, 2));
  assert.equal(canonicalize(verifyTimestamp(root, pretty, null, NOW).signed), canonicalize(timestampSigned));
  const escaped = new TextDecoder().decode(timestampBytes).replace('"_type"', '"\\u005ftype"');
  assert.equal(verifyTimestamp(root, utf8Encode(escaped), null, NOW).signed.version, 7);
  const bad: number[][] = [
    [0xef, 0xbb, 0xbf, ...timestampBytes], // UTF-8 byte order mark
    [0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d], // overlong "/"
    [0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d], // a UTF-16 surrogate encoded in UTF-8
    [0x7b, 0x22, 0xf4, 0x90, 0x80, 0x80, 0x22, 0x3a, 0x31, 0x7d], // above U+10FFFF
  ];
  for (const b of bad)
    assert.equal(
      outcome(() => parseJsonObject(Uint8Array.from(b), 'x')),
      'malformed',
    );
  // A float or an unsafe integer has no canonical form, so nothing can have signed it.
  const float = new TextDecoder().decode(timestampBytes).replace('"version":7', '"version":7.0001');
  assert.equal(
    outcome(() => verifyTimestamp(root, utf8Encode(float), null, NOW)),
    'malformed',
  );
  const huge = new TextDecoder().decode(timestampBytes).replace('"version":7', '"version":1e400');
  assert.equal(
    outcome(() => verifyTimestamp(root, utf8Encode(huge), null, NOW)),
    'malformed',
  );
});

test('root updates: random roots never replace the trusted one, and never crash', () => {
  fc.assert(
    fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.jsonValue(), (path, replacement) => {
      const signed = mutateField({ ...rootSigned, version: 2 }, path, replacement, false) as Record<string, unknown>;
      const bytes = envelope(signed, []); // unsigned: must never be accepted
      assert.notEqual(
        outcome(() => verifyRootUpdate(root, bytes)),
        'ok',
      );
    }),
    RUNS,
  );
});
