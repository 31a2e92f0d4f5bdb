import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import {
  convertCertificateToCertificatePEM,
  convertKeyPairPEMToKeyPair,
  convertKeyPairToPEM,
  generateKeyPair,
  generateSelfSignedCodeSigningCertificate,
} from '@expo/code-signing-certificates';
import { EXPO_DEFAULT_KEY_ID, EXPO_SIGNATURE_ALG, expoUpdatesPath, isExpoKeyId } from '@updraft/protocol';
import { defaultKeysDir } from '@updraft/signing';
import { CliError, colour, emit } from '../output.js';
import type { GlobalOptions } from '../run.js';

export interface CertificateOptions extends GlobalOptions {
  app: string;
  out?: string;
  key?: string;
  certificate?: string;
  keyId: string;
  channel: string;
  validityYears: string;
}

const exists = (path: string) =>
  readFile(path, 'utf8').then(
    (text) => text,
    () => null,
  );

export async function expoCertificate(opts: CertificateOptions): Promise<void> {
  if (!isExpoKeyId(opts.keyId))
    throw new CliError('usage', '--key-id must be 1-64 printable ASCII characters', { exitCode: 2 });
  const years = Number(opts.validityYears);
  if (!Number.isInteger(years) || years < 1 || years > 100) {
    throw new CliError('usage', '--validity-years must be a whole number from 1 to 100', { exitCode: 2 });
  }
  const out = resolve(opts.out ?? join(defaultKeysDir(opts.app), 'expo'));
  let privatePath = opts.key ? resolve(opts.key) : join(out, 'private-key.pem');
  let privatePem = await exists(privatePath);
  if (opts.key && privatePem === null) throw new CliError('bad-input', `--key ${opts.key}: cannot read it`);
  let certificatePath = opts.certificate ? resolve(opts.certificate) : join(out, 'certificate.pem');
  let made = false;
  if (opts.certificate) {
    if (!opts.key) throw new CliError('usage', '--certificate is checked against --key; pass both', { exitCode: 2 });
    const certPem = await exists(certificatePath);
    if (certPem === null) throw new CliError('bad-input', `--certificate ${opts.certificate}: cannot read it`);
    checkPair(privatePem!, certPem, opts);
  } else {
    if (privatePem === null) {
      const pair = convertKeyPairToPEM(generateKeyPair());
      privatePem = pair.privateKeyPEM;
      await mkdir(out, { recursive: true, mode: 0o700 });
      await writeFile(privatePath, privatePem, { mode: 0o600 });
      await chmod(privatePath, 0o600);
      await writeFile(join(out, 'public-key.pem'), pair.publicKeyPEM);
    }
    const keyPair = convertKeyPairPEMToKeyPair({
      privateKeyPEM: privatePem,
      publicKeyPEM: publicPem(privatePem, opts),
    });
    const now = new Date();
    const certificate = generateSelfSignedCodeSigningCertificate({
      keyPair,
      validityNotBefore: now,
      validityNotAfter: new Date(Date.UTC(now.getUTCFullYear() + years, now.getUTCMonth(), now.getUTCDate())),
      commonName: opts.app,
    });
    await mkdir(out, { recursive: true, mode: 0o700 });
    certificatePath = join(out, 'certificate.pem');
    await writeFile(certificatePath, convertCertificateToCertificatePEM(certificate));
    made = true;
  }
  privatePath = resolve(privatePath);
  const server = (opts.server ?? process.env['UPDRAFT_SERVER'] ?? 'https://updates.example.com').replace(/\/+$/, '');
  const updates = {
    url: `${server}${expoUpdatesPath(opts.app)}`,
    codeSigningCertificate: `./${relative(process.cwd(), certificatePath)}`,
    codeSigningMetadata: { keyid: opts.keyId, alg: EXPO_SIGNATURE_ALG },
    requestHeaders: { 'expo-channel-name': opts.channel },
  };
  const appJson = { expo: { updates } };
  emit(
    opts,
    {
      privateKey: privatePath,
      certificate: certificatePath,
      keyId: opts.keyId,
      created: made,
      appJson,
      appConfig: appConfigSnippet(updates),
    },
    () =>
      [
        made
          ? `${colour.green('wrote')} ${certificatePath} (certificate) for the key ${privatePath}`
          : `${colour.green('ok')} ${certificatePath} is a code-signing certificate of ${privatePath}`,
        `keep ${privatePath} secret and off the server; publish with: updraft publish dist --expo --app ${opts.app} --channel ${opts.channel} --runtime-version <rv> --expo-key ${relative(process.cwd(), privatePath)}${opts.keyId === EXPO_DEFAULT_KEY_ID ? '' : ` --expo-key-id ${opts.keyId}`}`,
        `app.json (merge into yours; the certificate path is relative to the project root):`,
        JSON.stringify(appJson, null, 2),
        `app.config.js or app.config.ts (when the app's config is code, set the same fields in the updates it returns; a config that exports a function gets app.json's config as \`config\`, one that exports an object replaces app.json; \`npx expo config --type public\` shows the result):`,
        appConfigSnippet(updates),
      ].join('\n'),
  );
}

/**
 * The same `updates` fields as a function config (app.config.js; app.config.ts the same with
 * `({ config }: ConfigContext): ExpoConfig`), keeping what app.json already sets.
 */
function appConfigSnippet(updates: Record<string, unknown>): string {
  const fields = JSON.stringify(updates, null, 2)
    .split('\n')
    .slice(1, -1)
    .map((line) => `  ${line}`);
  return [
    'module.exports = ({ config }) => ({',
    '  ...config,',
    '  updates: {',
    '    ...config.updates,',
    ...fields,
    '  },',
    '});',
  ].join('\n');
}

function publicPem(privatePem: string, opts: { key?: string }): string {
  try {
    const key = createPrivateKey(privatePem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`a ${key.asymmetricKeyType} key; Expo signs with RSA`);
    return createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  } catch (err) {
    throw new CliError(
      'bad-input',
      `${opts.key ?? 'the private key'}: not an RSA private key in PEM (${(err as Error).message})`,
    );
  }
}

/** The certificate's public key must be the private key's, and it must allow code signing. */
function checkPair(privatePem: string, certPem: string, opts: { key?: string; certificate?: string }): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new CliError(
      'bad-input',
      `--certificate ${opts.certificate}: not a PEM certificate (${(err as Error).message})`,
    );
  }
  publicPem(privatePem, opts);
  if (!cert.checkPrivateKey(createPrivateKey(privatePem))) {
    throw new CliError(
      'bad-input',
      `--certificate ${opts.certificate} does not belong to --key ${opts.key}: devices embedding it would reject every update signed with that key`,
    );
  }
  if (Date.parse(cert.validTo) < Date.now()) {
    throw new CliError('bad-input', `--certificate ${opts.certificate} expired on ${cert.validTo}; make a new one`);
  }
  // X509Certificate.keyUsage lists the extended key usage OIDs; 1.3.6.1.5.5.7.3.3 is code signing.
  if (!cert.keyUsage?.includes('1.3.6.1.5.5.7.3.3')) {
    throw new CliError(
      'bad-input',
      `--certificate ${opts.certificate} does not allow code signing (extended key usage 1.3.6.1.5.5.7.3.3)`,
    );
  }
}
