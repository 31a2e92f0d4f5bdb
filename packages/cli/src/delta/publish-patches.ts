import { readFile } from 'node:fs/promises';
import {
  manifestTargetPath,
  parseJsonObject,
  parseManifest,
  parseTargets,
  type FilePatch,
  type ReleaseManifest,
  repoPaths,
  repositoryBaseUrl,
} from '@updraft/protocol';
import { retryingFetch } from '@updraft/client/node';
import type { AdminApi } from '../api-client.js';
import type { LocalFile } from '../files.js';
import { CliError } from '../output.js';
import { progressBar } from '../progress.js';
import { PatchPool } from './patch-pool.js';
import { sha256 } from './smallest-patch.js';

export { smallestPatch } from './smallest-patch.js';

/** A patch is kept only when it is at most this share of the brotli-compressed full file. */
export const MAX_PATCH_RATIO = 0.5;

export interface DeltaOptions {
  appId: string;
  channel: string;
  platform: string;
  runtimeVersion: string;
  /** How many earlier releases of the same (channel, platform, runtimeVersion) to diff against. */
  bases: number;
  minBytes: number;
  /** Files of the bundle shipped inside the app binary (`--embedded <dir>`). */
  embedded: LocalFile[];
}

export interface PatchBlob {
  sha256: string;
  bytes: Uint8Array;
}

export interface DeltaPlan {
  /** Patches to list in the manifest, by file path. */
  patches: Map<string, FilePatch[]>;
  blobs: PatchBlob[];
  /** Candidates tried and dropped for being over MAX_PATCH_RATIO. */
  dropped: number;
}

interface Base {
  sha256: string;
  /** Loads the base bytes; the caller checks their hash. */
  load: () => Promise<Uint8Array>;
}

export type ReleaseTarget = Pick<DeltaOptions, 'appId' | 'channel' | 'platform' | 'runtimeVersion'>;

/**
 * The manifests of the newest `count` releases of a (channel, platform, runtimeVersion),
 * newest first. Only the hashes we compute ourselves are trusted: a manifest that does not
 * match the signed releases metadata is skipped (a wrong base just yields no patch).
 */
export async function recentManifests(api: AdminApi, opts: ReleaseTarget, count: number): Promise<ReleaseManifest[]> {
  if (count <= 0) return [];
  const { releases } = await api.call('GET /v1/apps/:appId/releases', {
    params: { appId: opts.appId },
    query: { channel: opts.channel, limit: '100' },
  });
  const recent = releases
    .filter((r) => r.platform === opts.platform && r.runtimeVersion === opts.runtimeVersion)
    .slice(0, count);
  if (recent.length === 0) return [];
  const metadata = parseTargets(
    await api.call('GET /v1/apps/:appId/releases-metadata', { params: { appId: opts.appId } }),
    'releases',
  );
  const repo = repositoryBaseUrl(api.server, opts.appId);
  const manifests: ReleaseManifest[] = [];
  for (const r of recent) {
    const target = metadata.signed.targets[manifestTargetPath(r.releaseId)];
    const manifestSha = target?.hashes['sha256'];
    if (!manifestSha) continue;
    const bytes = await fetchBytes(`${repo}/${repoPaths.target(manifestTargetPath(r.releaseId), manifestSha)}`);
    if (!bytes || sha256(bytes) !== manifestSha) continue;
    try {
      manifests.push(parseManifest(parseJsonObject(bytes, 'release manifest')));
    } catch {
      continue;
    }
  }
  return manifests;
}

/**
 * The newest release of the target when it has exactly these files (paths and bytes) and
 * launch file: publishing again would change nothing on a device, which the publisher should hear.
 */
export async function identicalNewest(
  api: AdminApi,
  target: ReleaseTarget,
  files: LocalFile[],
  launch: string,
): Promise<{ releaseId: string; versionCode: number } | null> {
  const [newest] = await recentManifests(api, target, 1);
  if (!newest || newest.launch !== launch || newest.files.length !== files.length) return null;
  const ours = new Map(files.map((f) => [f.path, f.sha256]));
  if (!newest.files.every((f) => ours.get(f.path) === f.sha256)) return null;
  return { releaseId: newest.releaseId, versionCode: newest.versionCode };
}

/** Base files for each new file: the same path in the last K releases and in the embedded bundle. */
async function collectBases(api: AdminApi, opts: DeltaOptions): Promise<Map<string, Base[]>> {
  const byPath = new Map<string, Base[]>();
  const add = (path: string, base: Base) => {
    const list = byPath.get(path) ?? [];
    if (!list.some((b) => b.sha256 === base.sha256)) list.push(base);
    byPath.set(path, list);
  };
  for (const f of opts.embedded) {
    add(f.path, { sha256: f.sha256, load: async () => new Uint8Array(await readFile(f.absolutePath)) });
  }
  const repo = repositoryBaseUrl(api.server, opts.appId);
  for (const manifest of await recentManifests(api, opts, opts.bases)) {
    for (const f of manifest.files) {
      add(f.path, {
        sha256: f.sha256,
        load: async () => {
          const file = await fetchBytes(`${repo}/${repoPaths.file(f.sha256)}`);
          if (!file) throw new Error(`base file ${f.sha256} is not on the server`);
          return file;
        },
      });
    }
  }
  return byPath;
}

async function fetchBytes(url: string): Promise<Uint8Array | null> {
  let res: Response;
  try {
    res = await retryingFetch(url);
  } catch (err) {
    throw new CliError('server-unreachable', `cannot fetch ${url} for delta generation (${(err as Error).message})`);
  }
  if (res.status === 404) return null;
  if (!res.ok) throw new CliError(`http-${res.status}`, `${url} answered ${res.status} during delta generation`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Generates patches for the changed files of a release (protocol.md §3.5, §3.6): against
 * the last K releases of the same channel/platform/runtimeVersion and the embedded bundle,
 * for files of at least `minBytes`; per (base, file) the smaller of `bsdiff-brotli` and
 * `zstd-patch-from` (when the `zstd` tool is installed), kept when ≤ 50 % of the
 * brotli-compressed file. Every patch is applied before it is listed, so a generator bug
 * costs bytes, never a device a broken file. The work runs in worker threads (PatchPool),
 * a few files at a time, with a progress bar on a terminal when `showProgress`.
 */
export async function planPatches(
  api: AdminApi,
  files: LocalFile[],
  opts: DeltaOptions,
  showProgress = false,
): Promise<DeltaPlan> {
  const plan: DeltaPlan = { patches: new Map(), blobs: [], dropped: 0 };
  const bases = await collectBases(api, opts);
  const allBaseHashes = new Set([...bases.values()].flat().map((b) => b.sha256));
  // A device holding any base release already has this exact file: nothing to patch.
  const work = files.filter(
    (f) => f.length >= opts.minBytes && !allBaseHashes.has(f.sha256) && (bases.get(f.path)?.length ?? 0) > 0,
  );
  if (work.length === 0) return plan;
  const pool = new PatchPool();
  const bar = progressBar(
    'patching',
    work.reduce((n, f) => n + f.length * bases.get(f.path)!.length, 0),
    showProgress,
  );
  const patchFile = async (file: LocalFile) => {
    const next = new Uint8Array(await readFile(file.absolutePath));
    const budget = pool.compressedLength(next).then((n) => Math.floor(n * MAX_PATCH_RATIO));
    const tried = await Promise.all(
      bases.get(file.path)!.map(async (base) => {
        const old = await base.load();
        const chosen = sha256(old) === base.sha256 ? await pool.patch(old, next, file.sha256, file.path) : undefined;
        bar.tick(next.length);
        return { base, chosen };
      }),
    );
    const list: FilePatch[] = [];
    for (const { base, chosen } of tried) {
      if (chosen === undefined) continue; // the base's bytes were not what its manifest says
      if (!chosen || chosen.bytes.length > (await budget)) {
        plan.dropped++;
        continue;
      }
      const patchSha = sha256(chosen.bytes);
      list.push({ from: base.sha256, sha256: patchSha, length: chosen.bytes.length, format: chosen.format });
      if (!plan.blobs.some((b) => b.sha256 === patchSha)) plan.blobs.push({ sha256: patchSha, bytes: chosen.bytes });
    }
    await budget;
    if (list.length > 0) plan.patches.set(file.path, list);
  };
  try {
    // A few files at a time: each holds its bytes and its bases in memory until it is done.
    let next = 0;
    const lane = async () => {
      while (next < work.length) await patchFile(work[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(pool.size, work.length) }, lane));
  } finally {
    bar.done();
    await pool.close();
  }
  return plan;
}
