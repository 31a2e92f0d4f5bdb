import { Directory } from '@capacitor/filesystem';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type {
  DownloadOptions,
  DownloadResult,
  FetchOptions,
  FetchResult,
  Hasher,
  Storage,
  Transport,
} from '@updraft/client';
import { storagePathSegments } from '@updraft/client';
import { checkRedirectAllowed, UpdraftError } from '@updraft/protocol';
import type { CapacitorPlatform, Sha256Digest } from './platform.js';

/**
 * The engine's ports on @capacitor/filesystem (Directory.Data, under `updraft/`), the
 * WebView's fetch, and WebCrypto (noble where the WebView has none). Platform paths are
 * "<root>/<path>" with root from Filesystem.getUri, which is also what setServerBasePath takes.
 */

const DATA = Directory.Data;
export const CAPACITOR_FOLDER = 'updraft';

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The path itself once the shared Storage rule accepts it. */
function checkPath(path: string): string {
  storagePathSegments(path);
  return path;
}

function notFound(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /not exist|not found|no such|ENOENT|doesn't exist/i.test(message);
}

async function dataOf(data: string | Blob): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof data === 'string') return base64ToBytes(data);
  return new Uint8Array(await data.arrayBuffer()); // the web implementation answers a Blob
}

export class CapacitorStorage implements Storage {
  constructor(
    private readonly fs: CapacitorPlatform['filesystem'],
    /** Absolute platform path of Directory.Data/updraft (from getUri). */
    readonly rootDir: string,
  ) {}

  resolve(path: string): string {
    return `${this.rootDir}/${checkPath(path)}`;
  }

  /** Directory.Data-relative path of a platform path this storage resolved. */
  relative(absolute: string): string {
    if (!absolute.startsWith(`${this.rootDir}/`)) throw new Error(`${absolute} is outside the updraft folder`);
    return `${CAPACITOR_FOLDER}/${absolute.slice(this.rootDir.length + 1)}`;
  }

  private at(path: string): string {
    return `${CAPACITOR_FOLDER}/${checkPath(path)}`;
  }

  async readFile(path: string): Promise<Uint8Array | null> {
    try {
      return await dataOf((await this.fs.readFile({ path: this.at(path), directory: DATA })).data);
    } catch (err) {
      if (notFound(err) || !(await this.exists(path))) return null;
      throw err;
    }
  }

  /**
   * Temp file, then rename over the target. @capacitor/filesystem has no fsync: durability
   * across power loss rests on the OS (see README); the state's backup copy covers a torn file.
   */
  async writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
    const temp = `${path}.tmp-${Math.random().toString(36).slice(2, 10)}`;
    await this.fs.writeFile({ path: this.at(temp), directory: DATA, data: bytesToBase64(bytes), recursive: true });
    try {
      await this.fs.rename({ from: this.at(temp), to: this.at(path), directory: DATA, toDirectory: DATA });
    } catch (err) {
      await this.remove(temp).catch(() => undefined);
      throw err;
    }
  }

  async mkdirp(path: string): Promise<void> {
    if (await this.exists(path)) return;
    try {
      await this.fs.mkdir({ path: this.at(path), directory: DATA, recursive: true });
    } catch (err) {
      // Capacitor's mkdir throws "Directory exists" even with recursive; two downloads into one
      // folder race between the check above and this call, and the loser must not fail.
      if (!(await this.exists(path))) throw err;
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await this.fs.rename({ from: this.at(from), to: this.at(to), directory: DATA, toDirectory: DATA });
  }

  async remove(path: string): Promise<void> {
    let type: string;
    try {
      type = (await this.fs.stat({ path: this.at(path), directory: DATA })).type;
    } catch (err) {
      if (notFound(err)) return;
      throw err;
    }
    if (type === 'directory') await this.fs.rmdir({ path: this.at(path), directory: DATA, recursive: true });
    else await this.fs.deleteFile({ path: this.at(path), directory: DATA });
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.fs.stat({ path: this.at(path), directory: DATA });
      return true;
    } catch {
      return false;
    }
  }

  async listDir(path: string): Promise<string[]> {
    try {
      const { files } = await this.fs.readdir({ path: this.at(path), directory: DATA });
      return files.map((f) => (typeof f === 'string' ? f : f.name)).sort();
    } catch (err) {
      if (notFound(err) || !(await this.exists(path))) return [];
      throw err;
    }
  }

  async copyFile(from: string, to: string): Promise<void> {
    await this.fs.copy({ from: this.at(from), to: this.at(to), directory: DATA, toDirectory: DATA });
  }

  async fileSize(path: string): Promise<number | null> {
    try {
      const s = await this.fs.stat({ path: this.at(path), directory: DATA });
      return s.type === 'file' ? s.size : null;
    } catch {
      return null;
    }
  }
  // No freeBytes: @capacitor/filesystem cannot tell, so the engine skips that check.
}

/** SHA-256 of a file: WebCrypto when the WebView offers it (secure contexts), @noble/hashes otherwise. */
export class CapacitorHasher implements Hasher {
  constructor(
    private readonly fs: CapacitorPlatform['filesystem'],
    private readonly storage: CapacitorStorage,
    private readonly subtle: Sha256Digest | null,
  ) {}

  async sha256File(absolutePath: string): Promise<string> {
    const { data } = await this.fs.readFile({ path: this.storage.relative(absolutePath), directory: DATA });
    const bytes = await dataOf(data);
    if (this.subtle) return bytesToHex(new Uint8Array(await this.subtle.digest('SHA-256', bytes)));
    return bytesToHex(sha256(bytes));
  }
}

/** Chunks appended to the file at once: bounds memory without a bridge call per network chunk. */
const APPEND_BYTES = 512 * 1024;

/**
 * The WebView's fetch. A browser fetch cannot stop at a redirect and read it, so redirects
 * are followed and the final URL is checked: bytes from another origin are refused
 * (insecure-url) before anything reads them.
 */
export class CapacitorTransport implements Transport {
  constructor(
    private readonly fs: CapacitorPlatform['filesystem'],
    private readonly storage: CapacitorStorage,
    private readonly fetchImpl: typeof fetch,
  ) {}

  async fetchBytes(url: string, options: FetchOptions): Promise<FetchResult> {
    const parts: Uint8Array[] = [];
    let total = 0;
    const status = await this.request(url, options, {}, async (chunk) => {
      total += chunk.length;
      if (total > options.maxBytes) throw tooLong(url, options.maxBytes);
      parts.push(chunk);
      return true;
    });
    if (status !== 200) return { status, bytes: new Uint8Array(0) };
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    return { status, bytes };
  }

  async downloadToFile(url: string, destination: string, options: DownloadOptions): Promise<DownloadResult> {
    const path = this.storage.relative(destination);
    const offset = options.offset ?? 0;
    const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
    let total = 0;
    let buffered: Uint8Array[] = [];
    let bufferedBytes = 0;
    let started = false;
    const flush = async () => {
      if (bufferedBytes === 0) return;
      const joined = new Uint8Array(bufferedBytes);
      let at = 0;
      for (const b of buffered) {
        joined.set(b, at);
        at += b.length;
      }
      buffered = [];
      bufferedBytes = 0;
      await this.fs.appendFile({ path, directory: DATA, data: bytesToBase64(joined) });
    };
    let misplaced = false;
    const status = await this.request(url, options, headers, async (chunk, res) => {
      if (!started) {
        started = true;
        if (res.status === 206 && (offset === 0 || rangeStart(res) !== offset)) {
          // Bytes of another part of the file (or a range never asked): neither appended
          // nor written over what the destination holds.
          misplaced = true;
          return false;
        }
        total = res.status === 206 ? offset : 0;
        if (res.status !== 206) await this.fs.writeFile({ path, directory: DATA, data: '', recursive: true });
      }
      total += chunk.length;
      if (total > options.maxBytes) throw tooLong(url, options.maxBytes);
      buffered.push(chunk);
      bufferedBytes += chunk.length;
      if (bufferedBytes >= APPEND_BYTES) await flush();
      options.onProgress?.(total);
      return true;
    }).finally(flush);
    const ok = status === 200 || (status === 206 && offset > 0 && !misplaced);
    if (!ok) return { status, bytesWritten: 0 };
    if (!started && status === 200) await this.fs.writeFile({ path, directory: DATA, data: '', recursive: true });
    return { status: status === 206 ? 206 : 200, bytesWritten: started ? total : status === 206 ? offset : 0 };
  }

  private async request(
    url: string,
    options: FetchOptions,
    headers: Record<string, string>,
    /** false: stop reading (the answer is not one to keep). */
    onChunk: (chunk: Uint8Array, res: Response) => Promise<boolean>,
  ): Promise<number> {
    const controller = new AbortController();
    let stalled = false;
    let timer = setTimeout(() => ((stalled = true), controller.abort()), options.timeoutMs);
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => ((stalled = true), controller.abort()), options.timeoutMs);
    };
    try {
      const res = await this.fetchImpl(url, { headers, signal: controller.signal, redirect: 'follow' });
      if (res.redirected || (res.url && res.url !== url)) checkRedirectAllowed(url, res.url);
      touch();
      if (res.status !== 200 && res.status !== 206) {
        await res.body?.cancel().catch(() => undefined);
        return res.status;
      }
      const reader = res.body!.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          touch();
          if (!(await onChunk(value, res))) break;
        }
      } finally {
        await reader.cancel().catch(() => undefined);
      }
      return res.status;
    } catch (err) {
      if (stalled)
        throw new UpdraftError('timeout', `${url} stalled: no data for ${options.timeoutMs} ms`, { cause: err });
      if (err instanceof UpdraftError) throw err;
      throw new UpdraftError('network', `cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

function rangeStart(res: Response): number | null {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : null;
}

function tooLong(url: string, maxBytes: number): UpdraftError {
  return new UpdraftError('length', `${url} is longer than the allowed ${maxBytes} bytes`);
}
