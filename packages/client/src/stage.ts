import {
  checkManifestMatches,
  parseJsonObject,
  parseManifest,
  repoPaths,
  sha256Hex,
  UpdraftError,
  type ChosenRelease,
  type ManifestFile,
  type ReleaseManifest,
} from '@updraft/protocol';
import { BaseFiles, type BaseLocation } from './bases.js';
import type { EmbeddedFile } from './config.js';
import { parentDir, stagingDir } from './layout.js';
import { fetchByPatch, pureBrotliDecoder, type PatchFailure } from './patch-fetch.js';
import type { BrotliDecoder, Hasher, Storage } from './ports.js';
import type { Repository } from './repository.js';
import type { InstalledRelease } from './state.js';
import type { DeltaSummary } from './types.js';

export interface StageContext {
  repo: Repository;
  storage: Storage;
  hasher: Hasher;
  /** Payload bytes fetched so far; kept in an object so a failed cycle still reports them. */
  counter: { bytesDownloaded: number };
  onProgress?: (file: ManifestFile, bytesWritten: number) => void;
  /** Files of the embedded bundle, reused and patched against like installed ones. */
  embedded?: EmbeddedFile[];
  /** Defaults to the pure-JS decoder. */
  brotli?: BrotliDecoder;
  /** How each file was obtained, and every patch that failed (the file then came in full). */
  delta?: DeltaSummary;
  onPatchFailure?: (failure: PatchFailure) => void;
}

export interface FetchedManifest {
  manifest: ReleaseManifest;
  bytes: Uint8Array;
}

/** protocol.md §4 step 9. */
export async function fetchManifest(ctx: StageContext, chosen: ChosenRelease): Promise<FetchedManifest> {
  const bytes = await ctx.repo.fetch(repoPaths.target(chosen.targetPath, chosen.sha256), chosen.target.length);
  checkSignedBytes(bytes, chosen.target.length, chosen.sha256, `manifest of release ${chosen.release.releaseId}`);
  const manifest = parseManifest(parseJsonObject(bytes, 'release manifest'));
  checkManifestMatches(manifest, chosen.release);
  checkNoFileFolderClash(manifest.files);
  return { manifest, bytes };
}

function checkSignedBytes(bytes: Uint8Array, length: number, sha256: string, what: string): void {
  if (bytes.length > length) throw new UpdraftError('length', `${what} is longer than its signed ${length} bytes`);
  if (bytes.length !== length || sha256Hex(bytes) !== sha256) {
    throw new UpdraftError('hash', `${what} does not match its signed length and SHA-256`);
  }
}

/** "a" and "a/b" in one release cannot both exist on disk; say so instead of failing as a disk error. */
function checkNoFileFolderClash(files: ManifestFile[]): void {
  const paths = new Set(files.map((f) => f.path.toLowerCase()));
  for (const f of files) {
    for (let dir = parentDir(f.path); dir; dir = parentDir(dir)) {
      if (paths.has(dir.toLowerCase())) {
        throw new UpdraftError('malformed', `manifest lists "${dir}" both as a file and as the folder of "${f.path}"`);
      }
    }
  }
}

/**
 * protocol.md §4 steps 10-11 up to (not including) the rename: every file complete and
 * verified under staging/<releaseId>. Removes the staging folder on any failure, so a
 * partial release never lingers.
 */
export async function stageRelease(
  ctx: StageContext,
  manifest: ReleaseManifest,
  held: InstalledRelease[],
): Promise<string> {
  const staging = stagingDir(manifest.releaseId);
  await ctx.storage.remove(staging);
  try {
    await ctx.storage.mkdirp(staging);
    const bases = await BaseFiles.collect(ctx.storage, held, ctx.embedded ?? []);
    const delta = ctx.delta ?? { filesReused: 0, filesPatched: 0, filesDownloaded: 0, patchFailures: [] };
    const patchCtx = {
      repo: ctx.repo,
      storage: ctx.storage,
      hasher: ctx.hasher,
      brotli: ctx.brotli ?? pureBrotliDecoder,
      bases,
      counter: ctx.counter,
      onFailure: (failure: PatchFailure) => {
        delta.patchFailures.push(failure);
        ctx.onPatchFailure?.(failure);
      },
    };
    for (const file of manifest.files) {
      const dest = `${staging}/${file.path}`;
      const dir = parentDir(dest);
      if (dir) await ctx.storage.mkdirp(dir);
      if (await tryReuse(ctx, bases, file, bases.get(file.sha256), dest)) delta.filesReused++;
      else if (await fetchByPatch(patchCtx, file, dest)) delta.filesPatched++;
      else {
        await download(ctx, file, dest);
        delta.filesDownloaded++;
      }
      // A release may list the same content twice (the second copy comes from the first),
      // and a later file's patch may start from an earlier file of this release.
      bases.set(file.sha256, { kind: 'storage', path: dest });
    }
    return staging;
  } catch (err) {
    await ctx.storage.remove(staging).catch(() => undefined);
    throw err;
  }
}

/**
 * Copies a file the device already has, then hashes the copy: the folder it came from may
 * have been damaged since it was verified, and a launched bundle must always be verified.
 */
async function tryReuse(
  ctx: StageContext,
  bases: BaseFiles,
  file: ManifestFile,
  source: BaseLocation | undefined,
  dest: string,
): Promise<boolean> {
  if (source === undefined) return false;
  if (source.kind === 'storage') {
    if (!(await ctx.storage.exists(source.path))) return false;
    await ctx.storage.copyFile(source.path, dest);
  } else {
    const bytes = await bases.read(source);
    if (!bytes) return false;
    await ctx.storage.writeFileAtomic(dest, bytes);
  }
  if ((await ctx.hasher.sha256File(ctx.storage.resolve(dest))).toLowerCase() === file.sha256) return true;
  await ctx.storage.remove(dest);
  return false;
}

async function download(ctx: StageContext, file: ManifestFile, dest: string): Promise<void> {
  const progress = ctx.onProgress;
  const written = await ctx.repo.download(
    repoPaths.file(file.sha256),
    ctx.storage.resolve(dest),
    file.length,
    progress ? (n) => progress(file, n) : undefined,
  );
  ctx.counter.bytesDownloaded += written;
  if (written !== file.length) {
    throw new UpdraftError('hash', `${file.path} is ${written} bytes; the manifest signs ${file.length}`);
  }
  if ((await ctx.hasher.sha256File(ctx.storage.resolve(dest))).toLowerCase() !== file.sha256) {
    throw new UpdraftError('hash', `${file.path} does not match its signed SHA-256`);
  }
}
