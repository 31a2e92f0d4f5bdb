import { UpdraftError, type ReasonCode } from '@updraft/protocol';
import type { Hasher, Storage, Transport } from '../ports/ports.js';

/**
 * Platform ports are written by others and throw whatever their platform throws. Wrapping
 * them here gives every failure a reason code at the boundary, so the engine never has to
 * guess whether an unknown error was the network or the disk.
 */

export function toUpdraftError(err: unknown, fallback: ReasonCode): UpdraftError {
  if (err instanceof UpdraftError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new UpdraftError(fallback, message, { cause: err });
}

async function guard<T>(reason: ReasonCode, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UpdraftError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new UpdraftError(reason, `${what}: ${detail}`, { cause: err });
  }
}

export function guardTransport(t: Transport): Transport {
  return {
    fetchBytes: (url, o) => guard('network', `GET ${url} failed`, () => t.fetchBytes(url, o)),
    downloadToFile: (url, dest, o) => guard('network', `GET ${url} failed`, () => t.downloadToFile(url, dest, o)),
  };
}

export function guardStorage(s: Storage): Storage {
  const g = <T>(what: string, run: () => Promise<T>) => guard('storage', what, run);
  const guarded: Storage = {
    readFile: (p) => g(`cannot read ${p}`, () => s.readFile(p)),
    writeFileAtomic: (p, b) => g(`cannot write ${p}`, () => s.writeFileAtomic(p, b)),
    mkdirp: (p) => g(`cannot create folder ${p}`, () => s.mkdirp(p)),
    rename: (a, b, o) => g(`cannot rename ${a} to ${b}`, () => (o ? s.rename(a, b, o) : s.rename(a, b))),
    remove: (p) => g(`cannot remove ${p}`, () => s.remove(p)),
    exists: (p) => g(`cannot check ${p}`, () => s.exists(p)),
    listDir: (p) => g(`cannot list ${p}`, () => s.listDir(p)),
    copyFile: (a, b) => g(`cannot copy ${a} to ${b}`, () => s.copyFile(a, b)),
    resolve: (p) => s.resolve(p),
    ...(s.writeFileChunks
      ? {
          writeFileChunks: (p: string, c: Iterable<Uint8Array>) =>
            g(`cannot write ${p}`, () => s.writeFileChunks!(p, c)),
        }
      : {}),
    ...(s.readExternal
      ? { readExternal: (l: string) => g(`cannot read embedded file ${l}`, () => s.readExternal!(l)) }
      : {}),
  };
  // Optional methods stay absent when the platform lacks them, so the engine can tell.
  const fileSize = s.fileSize?.bind(s);
  if (fileSize) guarded.fileSize = (p) => g(`cannot stat ${p}`, () => fileSize(p));
  const syncTree = s.syncTree?.bind(s);
  if (syncTree) guarded.syncTree = (p) => g(`cannot sync ${p}`, () => syncTree(p));
  const freeBytes = s.freeBytes?.bind(s);
  if (freeBytes) guarded.freeBytes = () => g('cannot read the free space', () => freeBytes());
  return guarded;
}

export function guardHasher(h: Hasher): Hasher {
  return { sha256File: (p) => guard('storage', `cannot hash ${p}`, () => h.sha256File(p)) };
}
