import { resolve } from 'node:path';
import { defaultKeysDir, localSigner, readRoleKey, rollbackRelease } from '@updraft/signing';
import { requireServer } from '../api-client.js';
import { CliError, colour, emit } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { anchorEpoch } from '../trust/epoch.js';
import { copyCodePush } from '../codepush-package.js';
import { assertKeysFolderFor } from '../trust/app-context.js';
import { attachExpoCopy, prepareExpoCopy, rollBackToEmbedded } from '../expo/rollback.js';
import { loadExpoSigner } from '../expo/signing.js';
import { publisherServer } from '../publisher-server.js';
import { droppedReleasesLine, retryReleasesConflict } from '../sign-release.js';
import { parseKeepReleases } from '../keep-releases.js';

/**
 * `updraft release rollback <releaseId>`: the rollback workflow of @updraft/signing (a NEW
 * release running the earlier release's files), with CodePush and Expo copies of the earlier
 * release; `--to-embedded` sends Expo devices back to the update inside their binary.
 */

export interface RollbackOptions extends GlobalOptions {
  app: string;
  channel: string;
  keys?: string;
  toEmbedded?: boolean;
  platform?: string;
  runtimeVersion?: string;
  expoKey?: string;
  expoKeyId?: string;
  keepReleases: string;
}

export async function rollBack(releaseId: string | undefined, opts: RollbackOptions): Promise<void> {
  const keep = parseKeepReleases(opts.keepReleases);
  const api = requireServer(opts);
  const signer = await loadExpoSigner(opts.expoKey, opts.expoKeyId);
  if (opts.toEmbedded) {
    if (releaseId !== undefined || !opts.platform || !opts.runtimeVersion) {
      throw new CliError(
        'usage',
        'release rollback --to-embedded takes no release id, and needs --platform ios|android and --runtime-version',
        { exitCode: 2 },
      );
    }
    const r = await rollBackToEmbedded(api, {
      appId: opts.app,
      channel: opts.channel,
      platform: opts.platform,
      runtimeVersion: opts.runtimeVersion,
      signer,
    });
    const result = { channel: opts.channel, platform: opts.platform, runtimeVersion: opts.runtimeVersion, ...r };
    emit(opts, { rolledBackToEmbedded: result }, () =>
      [
        `${colour.green('rolled back')} Expo devices on ${opts.channel}/${opts.platform} ${opts.runtimeVersion} to their embedded update (${r.signed ? 'signed' : colour.yellow('unsigned')} directive, commitTime ${r.commitTime})`,
        'a newer publish to this channel supersedes it',
      ].join('\n'),
    );
    return;
  }
  if (releaseId === undefined) {
    throw new CliError('usage', 'name the release to roll back to, or pass --to-embedded', { exitCode: 2 });
  }
  const expoFrom = await prepareExpoCopy(api, opts.app, releaseId, signer);
  const keysDir = resolve(opts.keys ?? defaultKeysDir(opts.app));
  await assertKeysFolderFor(keysDir, opts.app);
  const releasesKey = localSigner(await readRoleKey(keysDir, 'releases'));
  const epoch = await anchorEpoch(keysDir);
  const result = await retryReleasesConflict(() =>
    rollbackRelease(publisherServer(api), {
      appId: opts.app,
      channel: opts.channel,
      fromReleaseId: releaseId,
      releasesKey,
      epoch,
      keep,
    }),
  );
  const codepush = await copyCodePush(api, opts.app, releaseId, result.releaseId, opts.channel, result.platform);
  const expo = expoFrom ? await attachExpoCopy(api, opts.app, result.releaseId, expoFrom, signer) : null;
  emit(opts, { ...result, rolledBackTo: releaseId, ...(codepush ? { codepush } : {}), ...(expo ? { expo } : {}) }, () =>
    [
      `${colour.green('rolled back')} ${opts.channel} to the files of ${releaseId}: new release ${colour.bold(result.releaseId)} (versionCode ${result.versionCode})`,
      ...droppedReleasesLine(result.droppedReleases, opts.app, opts.channel),
      `next: updraft release list --app ${opts.app} --channel ${opts.channel}`,
    ].join('\n'),
  );
}
