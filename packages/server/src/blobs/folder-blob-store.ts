import { createHash, randomBytes } from 'node:crypto';
import {
  access,
  constants,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { assertSha256, type BlobRange, type BlobStore } from './blob-store.js';
import { VerifiedBlobStore, type PendingBlob } from './verified-write.js';

/** Temp files older than this are leftovers of a crashed upload (uploads are minutes at most). */
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Read size of a file streamed to a client: 256 KiB instead of fs's 64 KiB default means a
 * quarter of the reads, socket writes and event-loop turns per byte sent, while the memory a
 * download holds stays small (one chunk read ahead; the stream waits while the socket is full).
 */
export const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Blobs as files `<root>/ab/<sha256>`. A blob appears only by rename of a complete, fsynced
 * temp file in `<root>/tmp` (same file system) whose length and SHA-256 were checked by
 * reading it back from disk, so a reader never sees a partial or wrong blob (not even after a
 * short write on a full disk) and a crash leaves at most a temp file.
 */
export class FolderBlobStore extends VerifiedBlobStore implements BlobStore {
  private readonly tmpDir: string;

  private constructor(private readonly root: string) {
    super();
    this.tmpDir = join(root, 'tmp');
  }

  static async open(root: string): Promise<FolderBlobStore> {
    const store = new FolderBlobStore(root);
    await mkdir(store.tmpDir, { recursive: true });
    await store.removeStaleTemps();
    return store;
  }

  private pathOf(sha256: string): string {
    assertSha256(sha256);
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  async stat(sha256: string): Promise<{ length: number } | null> {
    try {
      const s = await stat(this.pathOf(sha256));
      return { length: s.size };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** A temp file in `<root>/tmp`, fsynced and read back before its rename under the name. */
  protected async begin(sha256: string): Promise<PendingBlob> {
    const finalPath = this.pathOf(sha256);
    const dir = join(this.root, sha256.slice(0, 2));
    const tmpPath = join(this.tmpDir, `${sha256}.${randomBytes(8).toString('hex')}`);
    const file = await open(tmpPath, 'wx+', 0o644);
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await file.close();
    };
    return {
      write: (chunk) => writeAll(file, chunk),
      readBack: async () => {
        await file.sync();
        return hashFile(file);
      },
      commit: async () => {
        await close();
        await mkdir(dir, { recursive: true });
        // Same content either way; replacing an existing blob also repairs a damaged one.
        await rename(tmpPath, finalPath);
        await syncDir(dir);
      },
      abort: async () => {
        await close().catch(() => {});
        await unlink(tmpPath).catch(() => {});
      },
    };
  }

  async get(sha256: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.pathOf(sha256));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async createReadStream(sha256: string, range?: BlobRange): Promise<{ length: number; stream: Readable } | null> {
    let handle;
    try {
      handle = await open(this.pathOf(sha256), 'r');
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    try {
      const { size } = await handle.stat();
      // The stream owns the handle from here and closes it when done or destroyed.
      if (range) {
        const end = Math.min(range.end, size - 1);
        const stream = handle.createReadStream({
          autoClose: true,
          start: range.start,
          end,
          highWaterMark: READ_CHUNK_BYTES,
        });
        return { length: Math.max(0, end - range.start + 1), stream };
      }
      const stream = handle.createReadStream({ autoClose: true, start: 0, highWaterMark: READ_CHUNK_BYTES });
      return { length: size, stream };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  async ping(): Promise<void> {
    await access(this.tmpDir, constants.W_OK);
  }

  private async removeStaleTemps(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(this.tmpDir)) {
      const p = join(this.tmpDir, name);
      const s = await stat(p).catch(() => null);
      if (s && now - s.mtimeMs > STALE_TEMP_MS) await rm(p, { force: true });
    }
  }
}

/** FileHandle.write may write less than asked (a full disk): go on until all is written or it fails. */
async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset, null);
    if (bytesWritten === 0) {
      throw Object.assign(new Error('the file system accepted no more bytes'), { code: 'ENOSPC' });
    }
    offset += bytesWritten;
  }
}

async function hashFile(file: FileHandle): Promise<{ length: number; sha256: string }> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(256 * 1024);
  let position = 0;
  for (;;) {
    const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return { length: position, sha256: hash.digest('hex') };
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** Makes the rename itself durable (POSIX); not supported on Windows, where it is skipped. */
async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EPERM on platforms that cannot fsync a directory: the rename is still atomic.
  } finally {
    await handle?.close();
  }
}
