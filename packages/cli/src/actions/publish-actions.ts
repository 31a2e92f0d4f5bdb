import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatBytes, isPlatform, PLATFORMS } from '@updraft/protocol';
import { defaultKeysDir, isoSeconds, readRoleKey } from '@updraft/signing';
import { requireServer, type AdminApi } from '../api-client.js';
import { collectFiles, guessLaunch } from '../files.js';
import { identicalNewest, planPatches, type PatchBlob } from '../delta/publish-patches.js';
import { CliError, colour, emit } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { fetchRegisteredEmbedded } from '../actions/embedded-actions.js';
import { uploadMissing } from '../upload.js';
import type { DeployFlags } from '../commands/deploy-options.js';
import { defaultBuilderKeyPath, loadOrCreateBuilderKey } from '../provenance.js';
import { anchorEpoch } from '../trust/epoch.js';
import { attachCodePush, codePushFlags, prepareCodePush } from '../codepush-package.js';
import { assertKeysFolderFor } from '../trust/app-context.js';
import { buildBeforePublish, copySourcemaps, type BuildFlags, type BuiltBundle } from '../commands/publish-build.js';
import { uploadSourcemaps, type KeptSourcemap } from '../sourcemaps.js';
import { assertCliIdentifier, deployPlan, droppedReleasesLine, publishSigned } from '../sign-release.js';
import { parseKeepReleases } from '../keep-releases.js';
import { publishExpo } from '../expo/publish-expo.js';

export interface PublishOptions extends GlobalOptions, DeployFlags, BuildFlags {
  notes?: string;
  app: string;
  /** Optional on the command line (--expo has its own default), checked first thing otherwise. */
  platform: string;
  runtimeVersion: string;
  channel: string;
  launch?: string;
  keys?: string;
  allowChannels?: string;
  maxFileSize: string;
  deltaBases: string;
  deltaMinSize: string;
  embedded?: string;
  builderKey?: string;
  provenance: boolean;
  codepushKey?: string;
  createChannel?: boolean;
  expo?: boolean;
  expoKey?: string;
  expoKeyId?: string;
  expoBaseUrl?: string;
  sourcemap?: string;
  keepReleases: string;
}

async function publish(dirArg: string | undefined, opts: PublishOptions, built: BuiltBundle | null): Promise<void> {
  if (dirArg === undefined) {
    throw new CliError(
      'usage',
      'pass the bundle folder to publish, or --build react-native with the app folder (default .)',
      { exitCode: 2 },
    );
  }
  const dir = dirArg;
  if (opts.expo || built?.expoExport) {
    const published = await publishExpo(dir, opts, built?.expoExport?.app);
    const expoExport = built?.expoExport;
    // A person sees each step as it happens; --json waits for the source maps, so that one
    // document on stdout says everything.
    if (!opts.json || !expoExport) emit(opts, published.result, published.human);
    if (!expoExport) return;
    const releases = [];
    for (const r of published.result.releases) {
      const map = await expoExport.sourcemapOf(r.platform);
      const kept = map ? await keepSourcemaps(requireServer(opts), opts.app, r.releaseId, [map], opts) : [];
      const sourcemapCopy =
        map && opts.sourcemapDir ? await copySourcemaps(opts.sourcemapDir, r.releaseId, [map]) : null;
      releases.push({ ...r, sourcemaps: kept, ...(sourcemapCopy ? { sourcemapCopy } : {}) });
      if (!opts.json && kept[0]) {
        process.stderr.write(
          `source map ${kept[0].name} of ${r.platform} kept on the server, never sent to devices: updraft release sourcemap ${r.releaseId} --app ${opts.app}\n`,
        );
      }
    }
    if (opts.json) emit(opts, { ...published.result, releases, build: built.summary }, published.human);
    return;
  }
  const startedOn = isoSeconds(Date.now());
  const appId = assertCliIdentifier(opts.app, '--app');
  const channel = assertCliIdentifier(opts.channel, '--channel');
  const runtimeVersion = assertCliIdentifier(opts.runtimeVersion, '--runtime-version');
  if (!isPlatform(opts.platform)) {
    throw new CliError('usage', `--platform must be one of ${PLATFORMS.join(', ')}, not "${opts.platform}"`, {
      exitCode: 2,
    });
  }
  const maxFileBytes = Number(opts.maxFileSize);
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes <= 0) {
    throw new CliError('usage', '--max-file-size must be a positive number of bytes', { exitCode: 2 });
  }
  const deltaBases = Number(opts.deltaBases);
  if (!Number.isSafeInteger(deltaBases) || deltaBases < 0 || deltaBases > 15) {
    throw new CliError('usage', '--delta-bases must be a whole number from 0 to 15', { exitCode: 2 });
  }
  const deltaMinBytes = Number(opts.deltaMinSize);
  if (!Number.isSafeInteger(deltaMinBytes) || deltaMinBytes < 0) {
    throw new CliError('usage', '--delta-min-size must be a number of bytes', { exitCode: 2 });
  }
  const { deploy, channels } = await deployPlan(opts, channel);
  const keep = parseKeepReleases(opts.keepReleases);

  // Where the time goes, in the JSON result (docs/benchmarks.md uses it).
  // cpuMs: this process and its patch workers (not the zstd tool), for load-independent figures.
  const timings = { hashMs: 0, patchMs: 0, uploadMs: 0, publishMs: 0, cpuMs: 0 };
  const cpuAtStart = process.cpuUsage();
  const lap = (() => {
    let last = performance.now();
    return () => {
      const now = performance.now();
      const ms = Math.round(now - last);
      last = now;
      return ms;
    };
  })();
  const files = await collectFiles(resolve(dir), maxFileBytes);
  timings.hashMs = lap();
  const launch = opts.launch ?? built?.launch ?? guessLaunch(files, opts.platform);
  if (!launch) {
    throw new CliError(
      'bad-input',
      `cannot tell which file starts the app; pass --launch <file> (one of: ${files
        .slice(0, 5)
        .map((f) => f.path)
        .join(', ')}${files.length > 5 ? ', …' : ''})`,
    );
  }
  if (!files.some((f) => f.path === launch)) {
    throw new CliError(
      'bad-input',
      `the launch file "${launch}" is not in ${dir}; pass --launch with a path relative to the folder`,
    );
  }
  const sourcemaps = built?.sourcemaps ?? (opts.sourcemap ? [resolve(opts.sourcemap)] : []);
  for (const m of sourcemaps) {
    if (!existsSync(m)) throw new CliError('bad-input', `the source map ${m} does not exist; pass --sourcemap <file>`);
  }
  const keysDir = resolve(opts.keys ?? defaultKeysDir(appId));
  await assertKeysFolderFor(keysDir, appId);
  const releasesKey = await readRoleKey(keysDir, 'releases');
  const api = requireServer(opts);
  const builderKey = opts.provenance
    ? await loadOrCreateBuilderKey(resolve(opts.builderKey ?? defaultBuilderKeyPath(keysDir)))
    : null;
  const launchFile = files.find((f) => f.path === launch)!;

  // An explicit --embedded wins; otherwise the bundle registered with `updraft embedded register`.
  const embedded = opts.embedded
    ? await collectFiles(resolve(opts.embedded), maxFileBytes)
    : deltaBases > 0
      ? await fetchRegisteredEmbedded(api, appId, opts.platform, runtimeVersion)
      : [];
  const delta = await planPatches(
    api,
    files,
    {
      appId,
      channel,
      platform: opts.platform,
      runtimeVersion,
      bases: deltaBases,
      minBytes: deltaMinBytes,
      embedded,
    },
    !opts.json,
  );
  timings.patchMs = lap();
  const codepush = await prepareCodePush(api, {
    appId,
    channel,
    platform: opts.platform,
    files,
    ...codePushFlags(opts),
  });
  const identical = await identicalNewest(
    api,
    { appId, channel, platform: opts.platform, runtimeVersion },
    files,
    launch,
  );
  const uploaded =
    (await uploadMissing(api, appId, files, !opts.json)) + (await uploadPatches(api, appId, delta.blobs));
  timings.uploadMs = lap();
  const result = await publishSigned(api, {
    appId,
    platform: opts.platform,
    runtimeVersion,
    channel,
    channels,
    launch: launchFile,
    files,
    patches: delta.patches,
    releasesKey,
    builderKey,
    sourceDir: resolve(dir),
    startedOn,
    deploy,
    epoch: await anchorEpoch(keysDir),
    keep,
  });
  const patchCount = [...delta.patches.values()].reduce((n, l) => n + l.length, 0);
  const cp = codepush && (await attachCodePush(api, appId, result.releaseId, channel, opts.platform, codepush));
  timings.publishMs = lap();
  const cpu = process.cpuUsage(cpuAtStart);
  timings.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  const kept = await keepSourcemaps(api, appId, result.releaseId, sourcemaps, opts);
  const sourcemapCopy =
    opts.sourcemapDir && sourcemaps.length > 0
      ? await copySourcemaps(opts.sourcemapDir, result.releaseId, sourcemaps)
      : null;
  const summary = {
    ...result,
    ...(built ? { build: built.summary } : {}),
    sourcemaps: kept,
    ...(sourcemapCopy ? { sourcemapCopy } : {}),
    files: files.length,
    bytesUploaded: uploaded,
    patches: patchCount,
    timings,
    ...(identical ? { identicalTo: identical } : {}),
  };
  emit(opts, cp ? { ...summary, codepush: cp } : summary, () =>
    [
      `${colour.green('published')} release ${colour.bold(result.releaseId)} (versionCode ${result.versionCode}) to ${channel} for ${opts.platform} ${runtimeVersion}`,
      ...(identical
        ? [
            colour.yellow(
              `  its files are identical to release ${identical.releaseId} (versionCode ${identical.versionCode}), the newest before it: devices get nothing new`,
            ),
          ]
        : []),
      `  ${files.length} files, ${patchCount} patches, ${formatBytes(uploaded)} uploaded`,
      ...droppedReleasesLine(result.droppedReleases, appId, channel),
      ...kept.map(
        (m) =>
          `  source map ${m.name} kept on the server, never sent to devices: updraft release sourcemap ${result.releaseId} --app ${appId}`,
      ),
      ...(sourcemapCopy ? [`  a copy of the source maps in ${sourcemapCopy}`] : []),
      ...(cp ? [`  CodePush ${cp.label ?? '(label when it starts)'} ${cp.signed ? 'signed' : 'unsigned'}`] : []),
      `next: updraft release list --app ${appId} --channel ${channel}`,
    ].join('\n'),
  );
}

/** Uploads the source maps of a release just published; a failure says the release is out. */
async function keepSourcemaps(
  api: AdminApi,
  appId: string,
  releaseId: string,
  files: string[],
  opts: PublishOptions,
): Promise<KeptSourcemap[]> {
  try {
    return await uploadSourcemaps(api, appId, releaseId, files, (line) => {
      if (!opts.json) process.stderr.write(`${line}\n`);
    });
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    throw new CliError(err.code, `release ${releaseId} is published, but its source map was not kept: ${err.message}`);
  }
}

/** Patch blobs are content-addressed like files: upload the ones the server lacks. */
async function uploadPatches(api: AdminApi, appId: string, blobs: PatchBlob[]): Promise<number> {
  if (blobs.length === 0) return 0;
  const { missing } = await api.call(
    'POST /v1/apps/:appId/blobs/missing',
    { params: { appId }, body: { sha256: blobs.map((b) => b.sha256) } },
    { idempotent: true },
  );
  let total = 0;
  for (const b of blobs.filter((x) => missing.includes(x.sha256))) {
    await api.call('PUT /v1/apps/:appId/blobs/:sha256', { params: { appId, sha256: b.sha256 } }, { raw: b.bytes });
    total += b.bytes.length;
  }
  return total;
}

export async function publishCommand(dirArg: string | undefined, opts: PublishOptions): Promise<void> {
  // Required except with --expo, which publishes every platform of the export by default.
  if (!opts.expo && opts.build !== 'expo' && (opts.platform as string | undefined) === undefined) {
    throw new CliError('usage', "required option '--platform <platform>' not specified", { exitCode: 2 });
  }
  // Before a build spends minutes on a publish that would then be refused.
  parseKeepReleases(opts.keepReleases);
  let built: BuiltBundle | null = null;
  try {
    if (opts.build) built = await buildBeforePublish(dirArg, opts);
    await publish(built?.bundleDir ?? dirArg, opts, built);
  } finally {
    await built?.cleanup();
  }
}
