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
import type { EmbeddedFile } from '../config.js';
import { downloadFile, partialBytes, removeStalePartials } from './download.js';
import { DOWNLOADS_DIR, parentDir, stagingDir } from '../state/layout.js';
import { fetchByPatch, pureBrotliDecoder, type PatchFailure } from './patch-fetch.js';
import type { BrotliDecoder, Hasher, Storage } from '../ports/ports.js';
import type { Repository } from './repository.js';
import type { InstalledRelease } from '../state/state.js';
import type { DeltaSummary } from '../types.js';

export interface StageContext {
  repo: Repository;
  storage: Storage;
  hasher: Hasher;
  /** Payload bytes fetched so far; kept in an object so a failed cycle still reports them. */
  counter: { bytesDownloaded: number };
  /** Bytes of the release on the device so far, of `totalBytes`. */
  onProgress?: (bytes: number, totalBytes: number) => void;
  /** Files fetched at the same time (default 1). */
  concurrency?: number;
  /** Files of the embedded bundle, reused and patched against like installed ones. */
  embedded?: EmbeddedFile[];
  /** Defaults to the pure-JS decoder. */
  brotli?: BrotliDecoder;
  /** How each file was obtained, and every patch that failed (the file then came in full). */
  delta?: DeltaSummary;
  onPatchFailure?: (failure: PatchFailure) => void;
}

/** Runs `task` over `items`, at most `limit` at a time; the first failure stops new starts and is thrown. */
async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
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
 * partial release never lingers (interrupted downloads stay in downloads/ to resume).
 */
export async function stageRelease(
  ctx: StageContext,
  manifest: ReleaseManifest,
  held: InstalledRelease[],
): Promise<string> {
  const staging = stagingDir(manifest.releaseId);
  await ctx.storage.remove(staging);
  try {
    const partials = await removeStalePartials(ctx.storage, new Set(manifest.files.map((f) => f.sha256)));
    await checkFreeSpace(
      ctx.storage,
      manifest.files.filter((f) => !partials.has(f.sha256)),
      partials.size > 0 ? manifest.files.filter((f) => partials.has(f.sha256)) : [],
    );
    await ctx.storage.mkdirp(staging);
    await ctx.storage.mkdirp(DOWNLOADS_DIR);
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
    const totalBytes = manifest.files.reduce((n, f) => n + f.length, 0);
    const bytesOf = new Map<ManifestFile, number>();
    const report = (file: ManifestFile, bytes: number) => {
      bytesOf.set(file, bytes);
      let sum = 0;
      for (const n of bytesOf.values()) sum += n;
      ctx.onProgress?.(sum, totalBytes);
    };
    // Each content once (a release may list the same bytes twice: the copies come after).
    const firsts: ManifestFile[] = [];
    const copies: ManifestFile[] = [];
    const seen = new Set<string>();
    for (const f of manifest.files) {
      (seen.has(f.sha256) ? copies : firsts).push(f);
      seen.add(f.sha256);
    }
    const made = new Set<string>([staging]);
    const place = async (file: ManifestFile) => {
      const dest = `${staging}/${file.path}`;
      const dir = parentDir(dest);
      if (dir && !made.has(dir)) {
        await ctx.storage.mkdirp(dir);
        made.add(dir);
      }
      if (await tryReuse(ctx, bases, file, bases.get(file.sha256), dest)) delta.filesReused++;
      else if (await fetchByPatch(patchCtx, file, dest)) delta.filesPatched++;
      else {
        await downloadFile({ ...ctx, partials, onProgress: (n) => report(file, n) }, file, dest);
        delta.filesDownloaded++;
      }
      report(file, file.length);
      // Later files may be copied from this one, or patched against it (when it is done by
      // then: with parallel downloads that is a saving, not a guarantee).
      bases.set(file.sha256, { kind: 'storage', path: dest });
    };
    // Verification and fsync of one file overlap the transfer of the next ones.
    await inParallel(firsts, ctx.concurrency ?? 1, place);
    for (const file of copies) await place(file);
    await ctx.storage.syncTree?.(staging);
    return staging;
  } catch (err) {
    await ctx.storage.remove(staging).catch(() => undefined);
    throw err;
  }
}

/** Room for the manifest, the state and folder entries on top of the files themselves. */
const SPACE_MARGIN_BYTES = 1024 * 1024;

/**
 * Fails early and clearly instead of filling the disk halfway: a full disk also starves the
 * app and the state writes that keep the device safe. Counts every file (a reused file is
 * copied) minus what interrupted downloads already hold.
 */
async function checkFreeSpace(storage: Storage, fresh: ManifestFile[], resumable: ManifestFile[]): Promise<void> {
  if (!storage.freeBytes) return;
  const free = await storage.freeBytes();
  if (free === null) return;
  let needed = SPACE_MARGIN_BYTES;
  for (const f of fresh) needed += f.length;
  for (const f of resumable) needed += f.length - (await partialBytes(storage, f));
  if (free < needed) {
    throw new UpdraftError(
      'storage',
      `not enough free space for this update: it needs ${needed} bytes and ${free} are free; ` +
        'the device keeps its current bundle and tries again at the next sync',
    );
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
