import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseMultipartMixedResponseAsync, type MultipartPart } from '@expo/multipart-body-parser';
import { parseDictionary } from 'structured-headers';
import { convertCertificatePEMToCertificate } from '@expo/code-signing-certificates';

/**
 * The device side of the Expo Updates protocol, with Expo's own npm libraries:
 * @expo/multipart-body-parser parses responses as expo-updates does, structured-headers reads
 * the SFV headers, @expo/code-signing-certificates verifies signatures with the certificate an
 * app embeds.
 */

export interface ExpoAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
  parts: MultipartPart[];
}

/**
 * A manifest request to `url` (`<server>/expo/<appId>`) with the headers the expo-updates
 * Android client sends, signing expected with keyid `main`; `headers` adds to or replaces
 * them (undefined leaves one out).
 */
export async function askExpo(url: string, headers: Record<string, string | undefined> = {}): Promise<ExpoAnswer> {
  const all: Record<string, string | undefined> = {
    accept: 'multipart/mixed,application/expo+json,application/json',
    'expo-platform': 'ios',
    'expo-protocol-version': '1',
    'expo-api-version': '1',
    'expo-updates-environment': 'BARE',
    'expo-json-error': 'true',
    'eas-client-id': 'a4e1b9a2-0000-4000-8000-000000000001',
    'expo-runtime-version': '1.0.0',
    'expo-channel-name': 'production',
    'expo-expect-signature': 'sig, keyid="main", alg="rsa-v1_5-sha256"',
    ...headers,
  };
  const sent = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
  const res = await fetch(url, { headers: sent });
  const body = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const parts = type.startsWith('multipart/mixed') ? await parseMultipartMixedResponseAsync(type, body) : [];
  return { status: res.status, headers: res.headers, body, parts };
}

/** Verifies an expo-signature over exact bytes with the app's embedded certificate, as expo-updates does. */
export function verifyExpoSignature(
  signatureHeader: string | null | undefined,
  body: string,
  certificatePem: string,
  keyId = 'main',
): void {
  assert.ok(signatureHeader, 'signed');
  const sfv = parseDictionary(signatureHeader);
  const sig = sfv.get('sig')?.[0];
  assert.equal(typeof sig, 'string');
  assert.equal(sfv.get('keyid')?.[0], keyId);
  assert.equal(sfv.get('alg')?.[0], 'rsa-v1_5-sha256');
  const cert = convertCertificatePEMToCertificate(certificatePem);
  const digest = createHash('sha256').update(Buffer.from(body, 'utf8')).digest('binary');
  assert.equal(
    cert.publicKey.verify(digest, Buffer.from(sig as string, 'base64').toString('binary')),
    true,
    'the signature verifies with the certificate over the exact part bytes',
  );
}

/** The one part of a 200 answer, which must be `name`. */
export function onlyPart(a: ExpoAnswer, name: string): MultipartPart {
  assert.equal(a.status, 200, a.body.toString());
  assert.deepEqual(
    a.parts.map((p) => p.name),
    [name],
  );
  return a.parts[0]!;
}
