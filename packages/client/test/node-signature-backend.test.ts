import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { test } from 'node:test';
import { bytesToHex, setSignatureBackend, verifySignature, type TufKey } from '@updraft/protocol';
import { nodeSignatureBackend } from '../src/ports/node/node-adapter.js';

// The Node adapter verifies signatures with OpenSSL; it must agree with the pure-JS verifier
// (which phones fall back to) on every valid, invalid and malformed signature.

const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

function keys() {
  const ed = generateKeyPairSync('ed25519');
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const edRaw = ed.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const ecRaw = ec.publicKey.export({ format: 'der', type: 'spki' }).subarray(-65);
  return {
    ed: {
      priv: ed.privateKey,
      key: { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: bytesToHex(edRaw) } } as TufKey,
    },
    ec: {
      priv: ec.privateKey,
      key: { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp256', keyval: { public: bytesToHex(ecRaw) } } as TufKey,
    },
  };
}

/** The same ECDSA signature with S replaced by n - S (what OpenSSL may produce; both are valid). */
function flipS(der: Buffer): Buffer {
  const rLen = der[3]!;
  const r = der.subarray(4, 4 + rLen);
  const s = BigInt('0x' + der.subarray(6 + rLen).toString('hex'));
  let hex = (P256_ORDER - s).toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let sBytes = Buffer.from(hex, 'hex');
  if (sBytes[0]! & 0x80) sBytes = Buffer.concat([Buffer.from([0]), sBytes]);
  const body = Buffer.concat([Buffer.from([2, r.length]), r, Buffer.from([2, sBytes.length]), sBytes]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function both(key: TufKey, sigHex: string, message: Uint8Array): [boolean, boolean] {
  setSignatureBackend(null);
  const pure = verifySignature(key, sigHex, message);
  setSignatureBackend(nodeSignatureBackend);
  const native = verifySignature(key, sigHex, message);
  setSignatureBackend(null);
  return [pure, native];
}

test('OpenSSL and pure JS agree on valid, altered, high-S and malformed signatures', () => {
  for (let round = 0; round < 20; round++) {
    const { ed, ec } = keys();
    const message = randomBytes(1 + ((round * 37) % 500));
    const other = Buffer.concat([message, Buffer.from([1])]);
    const edSig = sign(null, message, ed.priv);
    const ecSig = sign('sha256', message, ec.priv);
    const cases: [TufKey, string, Uint8Array, boolean][] = [
      [ed.key, edSig.toString('hex'), message, true],
      [ed.key, edSig.toString('hex'), other, false],
      [ed.key, Buffer.concat([edSig.subarray(0, 63), Buffer.from([edSig[63]! ^ 1])]).toString('hex'), message, false],
      [ed.key, edSig.subarray(0, 63).toString('hex'), message, false],
      [ec.key, ecSig.toString('hex'), message, true],
      [ec.key, flipS(ecSig).toString('hex'), message, true],
      [ec.key, ecSig.toString('hex'), other, false],
      [ec.key, ecSig.subarray(0, ecSig.length - 1).toString('hex'), message, false],
      [ec.key, 'zz', message, false],
      [ed.key, ecSig.toString('hex'), message, false],
      [
        { ...ec.key, keyval: { public: '02' + ec.key.keyval.public.slice(2, 66) } },
        ecSig.toString('hex'),
        message,
        false,
      ],
    ];
    for (const [key, sig, msg, expected] of cases) {
      assert.deepEqual(
        both(key, sig, msg),
        [expected, expected],
        `${key.scheme} ${sig.slice(0, 16)}… expected ${expected}`,
      );
    }
  }
});
