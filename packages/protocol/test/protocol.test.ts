import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { canonicalize as tufCanonicalize } from '@tufjs/canonical-json';
import {
  bytesToHex,
  canonicalize,
  checkRedirectAllowed,
  checkUrlAllowed,
  hexToBytes,
  isInRollout,
  keyId,
  matchesPathPattern,
  parseJsonObject,
  relativePathProblem,
  rolloutBucket,
  utf8Decode,
  utf8DecodePortable,
  utf8Encode,
  utf8EncodePortable,
  verifySignature,
  UpdraftError,
  type TufKey,
} from '../src/index.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors/rollout.json', import.meta.url), 'utf8')) as {
  vectors: { salt: string; deviceId: string; bucket: number }[];
};

test('rolloutBucket matches the committed vectors', () => {
  for (const v of vectors.vectors)
    assert.equal(rolloutBucket(v.salt, v.deviceId), v.bucket, `${v.salt} / ${v.deviceId}`);
});

test('rollout: raising the percentage only adds devices', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `device-${i}`);
  let previous = new Set<string>();
  for (const bp of [0, 1, 100, 1000, 2500, 5000, 9999, 10000]) {
    const included = new Set(ids.filter((id) => isInRollout('salt', id, bp)));
    for (const id of previous) assert.ok(included.has(id), `${id} left the rollout at ${bp}`);
    previous = included;
  }
  assert.equal(previous.size, ids.length);
});

test('canonical JSON equals @tufjs/canonical-json on varied input', () => {
  const samples: unknown[] = [
    { b: 1, a: [true, false, null], é: 'quote " and \\ backslash', '\u00ff': { z: -5, y: '\n\t\u0001' } },
    { signed: { _type: 'root', keys: { ab: { keyval: { public: '00' } } }, version: 1 } },
    ['😀', 'a\u2028b', '', 0, 9007199254740991],
    { Z: 1, a: 2, _: 3, '10': 4, '9': 5 },
  ];
  for (const s of samples) assert.equal(canonicalize(s), Buffer.from(tufCanonicalize(s as never)).toString('utf8'));
  assert.throws(() => canonicalize({ a: 1.5 }), /integers/);
});

test('the portable UTF-8 codec (used where the platform has none) matches the platform one', () => {
  for (const s of ['', 'ascii', 'ünïcødé', '设备', '📱🚀', 'a\u0000b', '\ufeffbom', 'lone \ud800 surrogate']) {
    assert.deepEqual(utf8EncodePortable(s), utf8Encode(s));
    assert.equal(utf8DecodePortable(utf8Encode(s)), utf8Decode(utf8Encode(s)));
  }
  for (const bad of [
    [0xff],
    [0xc0, 0x80],
    [0xe0, 0x80, 0x80],
    [0xed, 0xa0, 0x80],
    [0xf0, 0x9f],
    [0x80],
    [0xf4, 0x90, 0x80, 0x80],
  ]) {
    assert.throws(() => utf8DecodePortable(Uint8Array.from(bad)));
    assert.throws(() => utf8Decode(Uint8Array.from(bad)));
  }
});

test('utf8 encode/decode round-trips and rejects invalid bytes', () => {
  for (const s of ['', 'ascii', 'ünïcødé', '设备', '📱🚀', 'a\u0000b']) {
    assert.deepEqual(utf8Encode(s), new Uint8Array(Buffer.from(s, 'utf8')));
    assert.equal(utf8Decode(utf8Encode(s)), s);
  }
  for (const bad of [[0xff], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x9f], [0x80]]) {
    assert.throws(() => utf8Decode(Uint8Array.from(bad)));
  }
});

test('hex round-trips', () => {
  const bytes = Uint8Array.from([0, 1, 15, 16, 255]);
  assert.equal(bytesToHex(bytes), '00010f10ff');
  assert.deepEqual(hexToBytes('00010f10ff'), bytes);
  assert.throws(() => hexToBytes('0g'));
});

function ed25519Key(): { key: TufKey; signHex: (m: Uint8Array) => string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    key: { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: spki.subarray(spki.length - 32).toString('hex') } },
    signHex: (m) => sign(null, m, privateKey).toString('hex'),
  };
}

test('Ed25519 and ECDSA P-256 signatures from OpenSSL verify; tampering does not', () => {
  const message = utf8Encode('{"signed":1}');
  const ed = ed25519Key();
  assert.ok(verifySignature(ed.key, ed.signHex(message), message));
  assert.ok(!verifySignature(ed.key, ed.signHex(message), utf8Encode('{"signed":2}')));
  assert.ok(!verifySignature(ed.key, 'zz', message));

  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const ecKey: TufKey = {
    keytype: 'ecdsa',
    scheme: 'ecdsa-sha2-nistp256',
    keyval: { public: spki.subarray(spki.length - 65).toString('hex') },
  };
  const pemKey: TufKey = { ...ecKey, keyval: { public: publicKey.export({ format: 'pem', type: 'spki' }).toString() } };
  // OpenSSL does not normalise S, so about half of these signatures are high-S: all must verify.
  for (let i = 0; i < 16; i++) {
    const sig = sign('sha256', message, privateKey).toString('hex');
    assert.ok(verifySignature(ecKey, sig, message));
    assert.ok(verifySignature(pemKey, sig, message));
  }
  assert.ok(!verifySignature(ecKey, sign('sha256', utf8Encode('other'), privateKey).toString('hex'), message));
  assert.ok(
    !verifySignature({ ...ecKey, scheme: 'rsa' }, sign('sha256', message, privateKey).toString('hex'), message),
  );
});

test('keyId is the SHA-256 of the canonical public key', () => {
  const { key } = ed25519Key();
  const expected = createHash('sha256')
    .update(tufCanonicalize(key as never))
    .digest('hex');
  assert.equal(keyId(key), expected);
});

test('relative paths: unsafe names are refused', () => {
  assert.equal(relativePathProblem('index.js'), null);
  assert.equal(relativePathProblem('assets/img/a.png'), null);
  for (const bad of ['', '/etc/passwd', '../x', 'a/../b', 'a/./b', 'a//b', 'a\\b', 'a\u0000b', 'a/']) {
    assert.notEqual(relativePathProblem(bad), null, JSON.stringify(bad));
  }
});

test('TUF path patterns match one segment per *', () => {
  assert.ok(matchesPathPattern('manifests/r1.json', 'manifests/*'));
  assert.ok(!matchesPathPattern('manifests/a/r1.json', 'manifests/*'));
  assert.ok(matchesPathPattern('channels/production/ios/1.0.0', 'channels/*/*/*'));
  assert.ok(!matchesPathPattern('channels/production/ios', 'channels/*/*/*'));
});

test('URL policy: https always, http only for loopback with the opt-in, same-origin redirects only', () => {
  assert.doesNotThrow(() => checkUrlAllowed('https://updates.example.com', false));
  const reason = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as UpdraftError).reason;
    }
    return null;
  };
  assert.equal(
    reason(() => checkUrlAllowed('http://127.0.0.1:8787', false)),
    'insecure-url',
  );
  assert.equal(
    reason(() => checkUrlAllowed('http://127.0.0.1:8787', true)),
    null,
  );
  assert.equal(
    reason(() => checkUrlAllowed('http://[::1]:8787', true)),
    null,
  );
  assert.equal(
    reason(() => checkUrlAllowed('http://localhost', true)),
    null,
  );
  assert.equal(
    reason(() => checkUrlAllowed('http://example.com', true)),
    'insecure-url',
  );
  assert.equal(
    reason(() => checkUrlAllowed('http://127.0.0.1.evil.com', true)),
    'insecure-url',
  );
  assert.equal(
    reason(() => checkUrlAllowed('ftp://example.com', true)),
    'insecure-url',
  );
  assert.equal(
    reason(() => checkUrlAllowed('not a url', true)),
    'insecure-url',
  );
  assert.equal(
    reason(() => checkRedirectAllowed('https://a.com/x', 'https://a.com/y')),
    null,
  );
  assert.equal(
    reason(() => checkRedirectAllowed('https://a.com/x', '/y')),
    null,
  );
  assert.equal(
    reason(() => checkRedirectAllowed('https://a.com/x', 'http://a.com/y')),
    'insecure-url',
  );
  assert.equal(
    reason(() => checkRedirectAllowed('https://a.com/x', 'https://b.com/y')),
    'insecure-url',
  );
});

test('parseJsonObject rejects malformed and deeply nested input as "malformed"', () => {
  const reason = (bytes: Uint8Array) => {
    try {
      parseJsonObject(bytes, 'x');
    } catch (e) {
      return (e as UpdraftError).reason;
    }
    return null;
  };
  assert.equal(reason(utf8Encode('{"a":1}')), null);
  assert.equal(reason(utf8Encode('{"a":')), 'malformed');
  assert.equal(reason(utf8Encode('[1,2]')), 'malformed');
  assert.equal(reason(utf8Encode('['.repeat(100000) + ']'.repeat(100000))), 'malformed');
  assert.equal(reason(Uint8Array.from([0x7b, 0xff, 0x7d])), 'malformed');
});
