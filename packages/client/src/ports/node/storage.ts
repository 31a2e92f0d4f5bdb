import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Storage } from '../ports.js';
import { storagePathSegments } from '../storage-path.js';

/** The Storage port on a local folder (Node, Electron, tests). */
export class NodeStorage implements Storage {
  readonly rootDir: string;

  constructor(rootDir: string) {
    this.rootDir = resolve(rootDir);
  }

  /** Refuses anything that could leave the root: a path bug must not become a write elsewhere. */
  resolve(path: string): string {
    // isAbsolute also catches a Windows drive path ("C:/…"), which the shared rule lets through.
    if (isAbsolute(path)) throw new Error(`storage path "${path}" must be relative and '/'-separated`);
    return join(this.rootDir, ...storagePathSegments(path));
  }

  async readFile(path: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(this.resolve(path)));
    } catch (err) {
      if (isCode(err, 'ENOENT')) return null;
      throw err;
    }
  }

  async writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
    const target = this.resolve(path);
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      const file = await open(temp, 'w');
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw err;
    }
    await syncDir(dirname(target));
  }

  async mkdirp(path: string): Promise<void> {
    await mkdir(this.resolve(path), { recursive: true });
  }

  async rename(from: string, to: string, options?: { durable?: boolean }): Promise<void> {
    const source = this.resolve(from);
    const target = this.resolve(to);
    await rename(source, target);
    if (options?.durable === false) return;
    // The new name must survive power loss before the state that refers to it is written.
    await syncDir(dirname(target));
    if (dirname(source) !== dirname(target)) await syncDir(dirname(source));
  }

  async remove(path: string): Promise<void> {
    await rm(this.resolve(path), { recursive: true, force: true });
  }

  async exists(path: string): Promise<boolean> {
    try {
      await stat(this.resolve(path));
      return true;
    } catch (err) {
      if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return false;
      throw err;
    }
  }

  async listDir(path: string): Promise<string[]> {
    try {
      return (await readdir(this.resolve(path))).sort();
    } catch (err) {
      if (isCode(err, 'ENOENT')) return [];
      throw err;
    }
  }

  async writeFileChunks(path: string, chunks: Iterable<Uint8Array>): Promise<void> {
    const file = await open(this.resolve(path), 'w');
    try {
      for (const chunk of chunks) await file.write(chunk);
      await file.sync();
    } finally {
      await file.close();
    }
  }

  /** The embedded bundle's files, by absolute path. */
  async readExternal(location: string): Promise<Uint8Array | null> {
    if (!isAbsolute(location)) throw new Error(`embedded file location "${location}" must be an absolute path`);
    try {
      return new Uint8Array(await readFile(location));
    } catch (err) {
      if (isCode(err, 'ENOENT')) return null;
      throw err;
    }
  }

  async syncTree(path: string): Promise<void> {
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true });
      await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => walk(join(dir, e.name))));
      await syncDir(dir);
    };
    await walk(this.resolve(path));
  }

  async fileSize(path: string): Promise<number | null> {
    try {
      const s = await stat(this.resolve(path));
      return s.isFile() ? s.size : null;
    } catch (err) {
      if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return null;
      throw err;
    }
  }

  /** Blocks available to this (unprivileged) user, on the file system of the root folder. */
  async freeBytes(): Promise<number | null> {
    try {
      await mkdir(this.rootDir, { recursive: true });
      const s = await statfs(this.rootDir);
      return s.bavail * s.bsize;
    } catch {
      return null;
    }
  }

  async copyFile(from: string, to: string): Promise<void> {
    const target = this.resolve(to);
    await copyFile(this.resolve(from), target, constants.COPYFILE_FICLONE);
    const file = await open(target, 'r+');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
  }
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** fsync of a folder makes a rename or a new entry durable; Windows cannot open folders, and need not. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
