import { spawn } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { bytesToHex, ECDSA_P256_SCHEME, ED25519_SCHEME, keyId, verifySignature, type TufKey } from '@updraft/protocol';
import { localSigner, parseKeyFile, type KeyFile, type Signer } from './keys.js';
import { SigningError } from './errors.js';

/**
 * Where signatures come from: key files on this machine (`--key`), or an external command
 * (`--signer "<command>"` with `--signer-key <public key>`) that holds the key elsewhere: AWS
 * KMS, an HSM, a YubiKey. The command gets the bytes to sign on stdin and prints the
 * signature (hex or base64; DER for ECDSA) on stdout.
 */

/** A signer command gets this long; a KMS round trip or a touch on a hardware key fits. */
const SIGNER_TIMEOUT_MS = 120_000;
const MAX_SIGNER_OUTPUT = 64 * 1024;

export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new SigningError('bad-input', `cannot read ${what} ${path}`);
  }
  if (text.trimStart().startsWith('-----BEGIN')) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new SigningError('bad-input', `${path} is not valid JSON (expected ${what})`);
  }
}

/** A private key file as `updraft keys generate` writes it. */
export async function readPrivateKey(path: string): Promise<KeyFile> {
  const json = await readJsonFile(path, 'a key file');
  try {
    return parseKeyFile(json, path);
  } catch (err) {
    throw new SigningError(
      'bad-input',
      `${(err as Error).message}; create one with 'updraft keys generate --out ${path}'`,
    );
  }
}

/** True when the file holds a private key (not only a public one). */
export async function hasPrivateKey(path: string): Promise<boolean> {
  const json = await readJsonFile(path, 'a key file');
  return typeof json === 'object' && json !== null && typeof (json as { private?: unknown }).private === 'string';
}

/**
 * A public key from a key file, a TUF public key JSON, or a PEM SPKI (what `aws kms
 * get-public-key` gives after base64 decoding and `openssl pkey -pubin -inform DER`).
 */
export async function readPublicKey(path: string): Promise<TufKey> {
  const json = await readJsonFile(path, 'a public key');
  if (typeof json === 'string') return publicKeyFromPem(json, path);
  const k = json as { keytype?: unknown; scheme?: unknown; keyval?: { public?: unknown } } | null;
  if (!k || typeof k.keytype !== 'string' || typeof k.scheme !== 'string' || typeof k.keyval?.public !== 'string') {
    throw new SigningError(
      'bad-input',
      `${path} is not a key (expected keytype, scheme and keyval.public, or a PEM public key)`,
    );
  }
  return { keytype: k.keytype, scheme: k.scheme, keyval: { public: k.keyval.public } };
}

function publicKeyFromPem(pem: string, path: string): TufKey {
  let der: Buffer;
  let type: string | undefined;
  let curve: string | undefined;
  try {
    const key = createPublicKey(pem);
    der = key.export({ format: 'der', type: 'spki' });
    type = key.asymmetricKeyType;
    curve = key.asymmetricKeyDetails?.namedCurve;
  } catch {
    throw new SigningError('bad-input', `${path} is not a PEM public key`);
  }
  if (type === 'ed25519') {
    return {
      keytype: 'ed25519',
      scheme: ED25519_SCHEME,
      keyval: { public: bytesToHex(der.subarray(der.length - 32)) },
    };
  }
  if (type === 'ec' && curve === 'prime256v1') {
    return {
      keytype: 'ecdsa',
      scheme: ECDSA_P256_SCHEME,
      keyval: { public: bytesToHex(der.subarray(der.length - 65)) },
    };
  }
  throw new SigningError('bad-input', `${path} is a ${type ?? 'unknown'} key; Updraft keys are Ed25519 or ECDSA P-256`);
}

/** Signature text as a command may print it: hex, or base64. */
function signatureHex(text: string): string | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]+$/.test(t) && t.length % 2 === 0) return t.toLowerCase();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return Buffer.from(t, 'base64').toString('hex');
  return null;
}

function runSigner(command: string, message: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new SigningError(
          'signer-failed',
          `the signer command did not answer in ${SIGNER_TIMEOUT_MS / 1000} s: ${command}`,
        ),
      );
    }, SIGNER_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.length > MAX_SIGNER_OUTPUT) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new SigningError('signer-failed', `cannot run the signer command "${command}": ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        const detail = err.trim().split('\n').at(-1) ?? '';
        reject(
          new SigningError(
            'signer-failed',
            `the signer command exited with ${code}${detail ? `: ${detail}` : ''} (${command})`,
          ),
        );
      } else resolve(out);
    });
    child.stdin.on('error', () => undefined); // a command that ignores stdin is reported by its output
    child.stdin.end(Buffer.from(message));
  });
}

/** A Signer backed by an external command; every signature is checked against the public key. */
export function commandSigner(command: string, publicKey: TufKey): Signer {
  const id = keyId(publicKey);
  return {
    keyId: id,
    publicKey,
    async sign(message) {
      const hex = signatureHex(await runSigner(command, message));
      if (!hex || !verifySignature(publicKey, hex, message)) {
        throw new SigningError(
          'signer-failed',
          `the signer command's output is not a valid signature by key ${id}; it must print the signature ` +
            '(hex or base64, DER for ECDSA) of its stdin, made with the key given by --signer-key',
        );
      }
      return hex;
    },
  };
}

export interface SignerOptions {
  key?: string[];
  signer?: string[];
  signerKey?: string[];
}

/** The signers named by --key, and --signer/--signer-key pairs (in order). */
export async function signersFrom(opts: SignerOptions): Promise<Signer[]> {
  const signers: Signer[] = [];
  for (const path of opts.key ?? []) signers.push(localSigner(await readPrivateKey(path)));
  const commands = opts.signer ?? [];
  const publics = opts.signerKey ?? [];
  if (commands.length !== publics.length) {
    throw new SigningError(
      'usage',
      `give one --signer-key (the public key) for each --signer command; got ${commands.length} --signer and ${publics.length} --signer-key`,
      { exitCode: 2 },
    );
  }
  for (let i = 0; i < commands.length; i++) signers.push(commandSigner(commands[i]!, await readPublicKey(publics[i]!)));
  return dedupe(signers);
}

export function dedupe(signers: Signer[]): Signer[] {
  const seen = new Set<string>();
  return signers.filter((s) => (seen.has(s.keyId) ? false : (seen.add(s.keyId), true)));
}
