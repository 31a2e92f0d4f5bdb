import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  DIRECTOR_ROLE,
  METADATA_FOLDER,
  metadataFileName,
  RELEASES_ROLE,
  repositoryPath,
  ROOT_ROLE,
  SNAPSHOT_ROLE,
  TARGETS_ROLE,
  TIMESTAMP_ROLE,
} from '@updraft/protocol';
import { folderSigners, renewOffline } from '@updraft/signing';
import { copyLogToFolder } from '../log-copy.js';
import { colour, emit } from '../output.js';
import { expiryWarnings, openApp, readAnchor, type AppContext, type AppOptions } from '../trust/app-context.js';
import { fileNames, loadVerifiedRepo, type VerifiedRepo } from '../trust/verified-repo.js';
import { pushBundle } from '../trust/push.js';

export interface RefreshOptions extends AppOptions {
  out?: string;
  force?: boolean;
}

/** Offline roles within the warning window that the key folder can sign, renewed in one upload. */
async function renewWithFolder(ctx: AppContext, nowMs: number): Promise<string[]> {
  const { bundle, roles } = await renewOffline({
    appId: ctx.appId,
    current: ctx.repo,
    policy: ctx.policy,
    signers: await folderSigners(ctx.keysDir),
    nowMs,
  });
  if (roles.length === 0) return [];
  await pushBundle(ctx, bundle);
  return roles;
}

/** Writes the verified metadata under the export's metadata folder: every root, and the current rest. */
/** `<dir>/repo/<appId>/metadata`: where the repository layout puts an app's metadata in a static export. */
function metadataFolder(dir: string, appId: string): string {
  return join(resolve(dir), ...repositoryPath(appId).split('/'), METADATA_FOLDER);
}

async function writeExport(dir: string, repo: VerifiedRepo): Promise<string[]> {
  const folder = metadataFolder(dir, repo.appId);
  await mkdir(folder, { recursive: true });
  const written: string[] = [];
  for (const root of repo.roots) {
    const name = metadataFileName(ROOT_ROLE, root.signed.version);
    await writeFile(join(folder, name), root.bytes);
    written.push(name);
  }
  const names = fileNames(repo);
  // Versioned files first and timestamp.json last: a device reading the folder meanwhile never
  // sees a timestamp naming a snapshot that is not there yet.
  for (const role of [DIRECTOR_ROLE, RELEASES_ROLE, TARGETS_ROLE, SNAPSHOT_ROLE, TIMESTAMP_ROLE] as const) {
    const tmp = join(folder, `.${names[role]}.tmp`);
    await writeFile(tmp, repo[role].bytes);
    await rename(tmp, join(folder, names[role]));
    written.push(names[role]);
  }
  return written;
}

export async function refresh(opts: RefreshOptions): Promise<void> {
  const ctx = await openApp(opts);
  const nowMs = Date.now();
  const { resigned } = await ctx.api.call('POST /v1/apps/:appId/resign', {
    params: { appId: ctx.appId },
    body: { force: opts.force === true },
  });
  const renewedRoles = await renewWithFolder(ctx, nowMs);
  const repo = await loadVerifiedRepo(ctx.api.server, ctx.appId, await readAnchor(ctx.anchorPath));
  // The log before the metadata: a renewed releases or root version is in it before a device can see it.
  const logWritten = opts.out ? await copyLogToFolder(ctx.api.server, ctx.appId, resolve(opts.out)) : [];
  const written = opts.out ? await writeExport(opts.out, repo) : [];
  const warnings = expiryWarnings(repo, ctx.policy, nowMs);
  const result = {
    appId: ctx.appId,
    resigned,
    renewed: renewedRoles,
    expires: {
      timestamp: repo.timestamp.signed.expires,
      snapshot: repo.snapshot.signed.expires,
      director: repo.director.signed.expires,
      releases: repo.releases.signed.expires,
      targets: repo.targets.signed.expires,
      root: repo.root.signed.expires,
    },
    out: opts.out ? metadataFolder(opts.out, ctx.appId) : null,
    written,
    logWritten,
    warnings,
  };
  emit(opts, result, () =>
    [
      `${colour.green('refreshed')} ${ctx.appId}: server re-signed ${resigned.join(', ') || 'nothing (not near expiry)'}` +
        (renewedRoles.length ? `; renewed ${renewedRoles.join(', ')}` : ''),
      `  timestamp expires ${result.expires.timestamp}`,
      result.out ? `  wrote ${written.length} files to ${result.out}` : '',
      ...warnings.map((w) => colour.yellow(`warning: ${w}`)),
    ]
      .filter(Boolean)
      .join('\n'),
  );
}
