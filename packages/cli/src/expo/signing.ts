import { createSign, type KeyObject } from 'node:crypto';
import { EXPO_DEFAULT_KEY_ID, isExpoKeyId } from '@updraft/protocol';
import type { AdminApi } from '../api-client.js';
import { CliError } from '../output.js';
import { readRsaPrivateKey } from '../rsa-key.js';

/** The publisher's Expo code-signing key, used here and never sent anywhere. */
export interface ExpoSigner {
  key: KeyObject;
  keyId: string;
}

/** A body's signature as the server stores it; both null when unsigned. */
export interface ExpoSignature {
  signature: string | null;
  keyId: string | null;
}

export async function loadExpoSigner(
  keyPath: string | undefined,
  keyId: string | undefined,
): Promise<ExpoSigner | null> {
  if (keyPath === undefined) {
    if (keyId !== undefined) throw new CliError('usage', '--expo-key-id needs --expo-key', { exitCode: 2 });
    return null;
  }
  const id = keyId ?? EXPO_DEFAULT_KEY_ID;
  if (!isExpoKeyId(id))
    throw new CliError('usage', '--expo-key-id must be 1-64 printable ASCII characters', { exitCode: 2 });
  const key = await readRsaPrivateKey(
    keyPath,
    '--expo-key',
    'the RSA private key whose certificate the app embeds (updates.codeSigningCertificate); make one with: updraft expo certificate',
  );
  return { key, keyId: id };
}

/** RSASSA-PKCS1-v1_5 with SHA-256 over the exact UTF-8 bytes of `body`, base64: what expo-updates verifies. */
export function signExpoBody(body: string, signer: ExpoSigner | null): ExpoSignature {
  if (!signer) return { signature: null, keyId: null };
  const signature = createSign('RSA-SHA256').update(body, 'utf8').sign(signer.key).toString('base64');
  return { signature, keyId: signer.keyId };
}

/** Refuses an unsigned update or directive for an app whose Expo updates are signed, before anything changes. */
export async function assertSigningMatches(api: AdminApi, appId: string, signer: ExpoSigner | null): Promise<void> {
  const status = await api.call('GET /v1/apps/:appId/expo', { params: { appId } });
  if (status.signed && !signer) {
    throw new CliError(
      'expo-unsigned',
      `app ${appId} publishes signed Expo updates (key id ${status.keyIds.join(', ')}), and apps with updates.codeSigningCertificate reject unsigned ones; pass --expo-key <private key PEM>`,
    );
  }
}
