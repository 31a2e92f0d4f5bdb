import { type KeyAlgorithm, serializeEnvelope } from '@updraft/protocol';
import {
  defaultKeysDir,
  firstTrust,
  type KeyFile,
  loadOrCreateKey,
  localSigner,
  publicKeyOf,
  writeTrustAnchor,
} from '@updraft/signing';
import { requireServer } from '../api-client.js';
import { CliError, colour, emit } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { buildLogPin, withLogPin } from '../log-pin.js';
import { resolve } from 'node:path';

export interface CreateOptions extends GlobalOptions {
  keys?: string;
  keyType: string;
  transparency: string;
  witness?: string[];
  witnessThreshold?: string;
}

export async function createApp(appId: string, opts: CreateOptions): Promise<void> {
  if (opts.keyType !== 'ed25519' && opts.keyType !== 'ecdsa-p256') {
    throw new CliError('usage', `--key-type must be ed25519 or ecdsa-p256, not "${opts.keyType}"`, {
      exitCode: 2,
    });
  }
  const algorithm = opts.keyType as KeyAlgorithm;
  const api = requireServer(opts);
  const dir = resolve(opts.keys ?? defaultKeysDir(appId));
  const created = await api.call('POST /v1/apps', { body: { appId } });
  const logPin = buildLogPin(created.log, opts);
  const online = created.onlineKeys;

  const rootKey = await loadOrCreateKey(dir, 'root', algorithm);
  const targetsKey = await loadOrCreateKey(dir, 'targets', algorithm);
  const releasesKey = await loadOrCreateKey(dir, 'releases', algorithm);
  const alone = (k: KeyFile) => ({ keys: [publicKeyOf(k)], threshold: 1, signers: [localSigner(k)] });
  const { root, targets, releases } = await firstTrust({
    online,
    root: alone(rootKey),
    targets: alone(targetsKey),
    releases: alone(releasesKey),
    rootExtra: withLogPin({}, logPin),
    nowMs: Date.now(),
  });
  await api.call('PUT /v1/apps/:appId/trust', { params: { appId }, body: { root, targets, releases } });
  const rootPath = await writeTrustAnchor(dir, serializeEnvelope(root));

  const result = {
    appId,
    keysDir: dir,
    root: rootPath,
    keyIds: { root: rootKey.keyid, targets: targetsKey.keyid, releases: releasesKey.keyid },
    log: logPin,
  };
  emit(opts, result, () =>
    [
      `${colour.green('created')} app ${colour.bold(appId)} on ${api.server}`,
      `  offline keys: ${dir} ${colour.dim('(keep them secret and backed up; the server never sees them)')}`,
      `  trust anchor: ${rootPath} ${colour.dim('(ship this file inside your app)')}`,
      `next: updraft publish <dir> --app ${appId} --platform ios --runtime-version 1.0.0 --channel production --keys ${dir}`,
    ].join('\n'),
  );
}

export async function listApps(opts: GlobalOptions): Promise<void> {
  const api = requireServer(opts);
  const result = await api.call('GET /v1/apps');
  emit(opts, result, () =>
    result.apps.length === 0
      ? 'no apps yet; create one with: updraft apps create <appId>'
      : result.apps.map((a) => `${a.appId}\t${a.createdAt}`).join('\n'),
  );
}
