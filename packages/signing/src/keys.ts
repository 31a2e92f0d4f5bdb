import { generateKeyPairSync, createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  bytesToHex,
  keyId,
  ECDSA_P256_SCHEME,
  ED25519_SCHEME,
  type KeyAlgorithm,
  type TufKey,
} from '@updraft/protocol';

/**
 * Signs bytes with one key. Async so that a key can live elsewhere (KMS, HSM, an external
 * command) behind the same interface; the signature is hex, as TUF metadata carries it.
 */
export interface Signer {
  readonly keyId: string;
  readonly publicKey: TufKey;
  sign(message: Uint8Array): Promise<string>;
}

/** A private key as the CLI stores it on the publisher's disk (mode 0600) or the server in its DB. */
export interface KeyFile {
  keyid: string;
  keytype: string;
  scheme: string;
  keyval: { public: string };
  /** PKCS#8 PEM. */
  private: string;
}

export function publicKeyOf(file: Pick<KeyFile, 'keytype' | 'scheme' | 'keyval'>): TufKey {
  return { keytype: file.keytype, scheme: file.scheme, keyval: { public: file.keyval.public } };
}

export function generateKeyFile(algorithm: KeyAlgorithm = 'ed25519'): KeyFile {
  if (algorithm === 'ed25519') {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const key: TufKey = {
      keytype: 'ed25519',
      scheme: ED25519_SCHEME,
      keyval: { public: bytesToHex(spki.subarray(spki.length - 32)) },
    };
    return { keyid: keyId(key), ...key, private: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
  }
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  // The uncompressed point (04 ‖ X ‖ Y) is the last 65 bytes of a P-256 SPKI.
  const key: TufKey = {
    keytype: 'ecdsa',
    scheme: ECDSA_P256_SCHEME,
    keyval: { public: bytesToHex(spki.subarray(spki.length - 65)) },
  };
  return { keyid: keyId(key), ...key, private: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

export function parseKeyFile(json: unknown, source: string): KeyFile {
  const k = json as Partial<KeyFile> | null;
  if (
    !k ||
    typeof k.private !== 'string' ||
    typeof k.keytype !== 'string' ||
    typeof k.scheme !== 'string' ||
    typeof k.keyval?.public !== 'string'
  ) {
    throw new Error(`${source} is not an Updraft key file (expected keytype, scheme, keyval.public and private)`);
  }
  const pub = publicKeyOf(k as KeyFile);
  return { keyid: keyId(pub), ...pub, private: k.private };
}

export async function readKeyFile(path: string): Promise<KeyFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`cannot read key file ${path}; check --keys points at the folder 'updraft apps create' wrote`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
  return parseKeyFile(json, path);
}

/** A signer holding the private key in this process. */
export function localSigner(file: KeyFile): Signer {
  const privateKey: KeyObject = createPrivateKey(file.private);
  const ecdsa = file.scheme === ECDSA_P256_SCHEME;
  const publicKey = publicKeyOf(file);
  return {
    keyId: keyId(publicKey),
    publicKey,
    async sign(message) {
      // Ed25519 signs the message itself; ECDSA signs its SHA-256 (DER signature, as securesystemslib).
      return cryptoSign(ecdsa ? 'sha256' : null, message, privateKey).toString('hex');
    },
  };
}
