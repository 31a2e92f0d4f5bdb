import { repoPaths, sha256Hex, UpdraftError, type ManifestFile } from '@updraft/protocol';
import { DOWNLOADS_DIR, partialFile } from '../state/layout.js';
import type { Hasher, Storage } from '../ports/ports.js';
import type { Repository } from './repository.js';

/**
 * One release file from the network into place, resumable: bytes arrive in
 * downloads/<sha256>, which survives a failed cycle or a killed app, so the next cycle asks
 * only for the rest (HTTP Range). Nothing reaches its destination before the whole file
 * matches its signed length and SHA-256; a resumed file that does not (a server that
 * changed the bytes, a damaged partial) is fetched once more from the start.
 */

export interface FileDownloadContext {
  repo: Repository;
  storage: Storage;
  hasher: Hasher;
  /** Bytes fetched over the network. */
  counter: { bytesDownloaded: number };
  /** Bytes of this file on the device so far (offset included). */
  onProgress?: (fileBytes: number) => void;
  /** Hashes with a partial file in downloads/ (from removeStalePartials). */
  partials: Set<string>;
}

/** Bytes already on the device for `file`, counted by the free-space check and progress. */
export async function partialBytes(storage: Storage, file: ManifestFile): Promise<number> {
  if (!storage.fileSize) return 0;
  const size = await storage.fileSize(partialFile(file.sha256));
  return size !== null && size <= file.length ? size : 0;
}

/**
 * Partial files of other content are left by an abandoned release: they go. Returns the
 * hashes that have a partial file, so files without one skip the checks.
 */
export async function removeStalePartials(storage: Storage, keep: Set<string>): Promise<Set<string>> {
  const kept = new Set<string>();
  for (const name of await storage.listDir(DOWNLOADS_DIR)) {
    if (keep.has(name)) kept.add(name);
    else await storage.remove(`${DOWNLOADS_DIR}/${name}`);
  }
  return kept;
}

/** An empty file needs no request (and no Range could ask for its rest): it is written here. */
const EMPTY_SHA256 = sha256Hex(new Uint8Array(0));

export async function downloadFile(ctx: FileDownloadContext, file: ManifestFile, dest: string): Promise<void> {
  if (file.length === 0) {
    if (file.sha256 !== EMPTY_SHA256) {
      throw new UpdraftError('hash', `${file.path} is signed as empty, with the SHA-256 of non-empty content`);
    }
    await ctx.storage.writeFileAtomic(dest, new Uint8Array(0));
    return;
  }
  const part = partialFile(file.sha256);
  const hasPartial = ctx.partials.has(file.sha256);
  const offset = hasPartial ? await partialBytes(ctx.storage, file) : 0;
  if (hasPartial && offset === 0) await ctx.storage.remove(part); // an over-long or unmeasurable leftover
  const ok = (await fetchInto(ctx, file, part, offset)) || (offset > 0 && (await fetchInto(ctx, file, part, 0)));
  if (!ok) {
    await ctx.storage.remove(part);
    throw new UpdraftError('hash', `${file.path} does not match its signed SHA-256`);
  }
  // Made durable with the whole staging folder before the release is committed.
  await ctx.storage.rename(part, dest, { durable: false });
}

/** false when the complete file's hash is wrong (the partial is then already gone). */
async function fetchInto(ctx: FileDownloadContext, file: ManifestFile, part: string, offset: number): Promise<boolean> {
  if (offset < file.length) {
    const progress = ctx.onProgress;
    const { status, bytesWritten, sha256 } = await ctx.repo.download(
      repoPaths.file(file.sha256),
      ctx.storage.resolve(part),
      file.length,
      progress,
      offset,
    );
    ctx.counter.bytesDownloaded += status === 206 ? bytesWritten - offset : bytesWritten;
    if (bytesWritten !== file.length) {
      await ctx.storage.remove(part);
      // A connection that ends early throws 'network' in the transport (and the partial file
      // stays for the next cycle); a download that completed short is the server's copy of the
      // file being short: damaged bytes, not the network, so the operator looks at the server.
      if (bytesWritten < file.length) {
        throw new UpdraftError(
          'hash',
          `${file.path}: the server's copy is ${bytesWritten} bytes, the manifest signs ${file.length}; its blob store holds a damaged file (run 'updraft blobs verify' on the server)`,
        );
      }
      throw new UpdraftError('length', `${file.path} is ${bytesWritten} bytes; the manifest signs ${file.length}`);
    }
    if (sha256 !== undefined && sha256.toLowerCase() !== file.sha256) {
      await ctx.storage.remove(part);
      return false;
    }
    if (sha256 !== undefined) return true;
  }
  if ((await ctx.hasher.sha256File(ctx.storage.resolve(part))).toLowerCase() === file.sha256) return true;
  await ctx.storage.remove(part);
  return false;
}
