import type { BlobUtil, BlobUtilTask } from 'react-native-blob-util';
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
import { base64ToBytes, bytesToBase64 } from './base64.js';
import type { UpdraftNativeModule } from './native-module.js';

/**
 * The engine's ports on react-native-blob-util (file system, HTTP to file, native SHA-256)
 * plus this package's native module (atomic write, fsync, reload). See README.md for why
 * blob-util.
 */

/** The path itself once the shared Storage rule accepts it. */
function checkPath(path: string): string {
  storagePathSegments(path);
  return path;
}

export class BlobUtilStorage implements Storage {
  constructor(
    private readonly blob: BlobUtil,
    private readonly native: UpdraftNativeModule,
    readonly rootDir: string,
  ) {}

  resolve(path: string): string {
    return `${this.rootDir}/${checkPath(path)}`;
  }

  async readFile(path: string): Promise<Uint8Array | null> {
    const abs = this.resolve(path);
    if (!(await this.blob.fs.exists(abs)) || (await this.blob.fs.isDir(abs))) return null;
    return base64ToBytes(await this.blob.fs.readFile(abs, 'base64'));
  }

  async writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
    const abs = this.resolve(path);
    await this.mkdirAbs(abs.slice(0, abs.lastIndexOf('/')));
    await this.native.writeFileAtomic(abs, bytesToBase64(bytes));
  }

  mkdirp(path: string): Promise<void> {
    return this.mkdirAbs(this.resolve(path));
  }

  async rename(from: string, to: string): Promise<void> {
    const target = this.resolve(to);
    await this.blob.fs.mv(this.resolve(from), target);
    await this.native.fsync(target.slice(0, target.lastIndexOf('/')));
  }

  async remove(path: string): Promise<void> {
    const abs = this.resolve(path);
    if (await this.blob.fs.exists(abs)) await this.blob.fs.unlink(abs);
  }

  exists(path: string): Promise<boolean> {
    return this.blob.fs.exists(this.resolve(path));
  }

  async listDir(path: string): Promise<string[]> {
    const abs = this.resolve(path);
    if (!(await this.blob.fs.exists(abs)) || !(await this.blob.fs.isDir(abs))) return [];
    return (await this.blob.fs.ls(abs)).sort();
  }

  async copyFile(from: string, to: string): Promise<void> {
    const target = this.resolve(to);
    await this.blob.fs.cp(this.resolve(from), target);
    await this.native.fsync(target);
  }

  async fileSize(path: string): Promise<number | null> {
    const abs = this.resolve(path);
    if (!(await this.blob.fs.exists(abs))) return null;
    const stat = await this.blob.fs.stat(abs);
    return stat.type === 'file' ? Number(stat.size) : null;
  }

  /** iOS reports `free`; Android `internal_free` (the app's files live on internal storage). */
  async freeBytes(): Promise<number | null> {
    const df = await this.blob.fs.df();
    const free = Number(df['internal_free'] ?? df['free']);
    return Number.isFinite(free) ? free : null;
  }

  private async mkdirAbs(abs: string): Promise<void> {
    if (!(await this.blob.fs.exists(abs))) await this.blob.fs.mkdir(abs);
  }
}

export class BlobUtilHasher implements Hasher {
  constructor(private readonly blob: BlobUtil) {}

  /** Native SHA-256 (CommonCrypto / MessageDigest): a JS hash of a 5 MB bundle takes seconds on Hermes. */
  async sha256File(absolutePath: string): Promise<string> {
    return (await this.blob.fs.hash(absolutePath, 'sha256')).toLowerCase();
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * HTTP through blob-util with redirects followed here, not natively, so none leaves the
 * origin. Bodies stream to a file; the size cap cancels the task as soon as it is passed.
 */
export class BlobUtilTransport implements Transport {
  constructor(
    private readonly blob: BlobUtil,
    private readonly native: UpdraftNativeModule,
    private readonly maxRedirects = 5,
  ) {}

  async fetchBytes(url: string, options: FetchOptions): Promise<FetchResult> {
    const { status, body } = await this.get(url, options, {}, null);
    if (status !== 200) return { status, bytes: new Uint8Array(0) };
    const bytes = base64ToBytes(await body!);
    if (bytes.length > options.maxBytes) throw tooLong(url, options.maxBytes);
    return { status, bytes };
  }

  async downloadToFile(url: string, destination: string, options: DownloadOptions): Promise<DownloadResult> {
    const offset = options.offset ?? 0;
    const temp = `${destination}.body`;
    const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
    const fs = this.blob.fs;
    // blob-util streams into `temp` before the request settles, so a cancelled (too long),
    // dropped or timed-out transfer leaves bytes there too: every path removes it.
    try {
      const { status, headers: got } = await this.get(url, options, headers, temp, offset);
      const resumed = status === 206 && offset > 0 && rangeStart(got) === offset;
      if (status !== 200 && !resumed) return { status, bytesWritten: 0 };
      if (resumed) {
        await fs.appendFile(destination, temp, 'uri');
      } else {
        if (await fs.exists(destination)) await fs.unlink(destination);
        await fs.mv(temp, destination);
      }
      await this.native.fsync(destination);
      const size = Number((await fs.stat(destination)).size);
      if (size > options.maxBytes) throw tooLong(url, options.maxBytes);
      return { status: resumed ? 206 : 200, bytesWritten: size };
    } finally {
      if (await fs.exists(temp)) await fs.unlink(temp);
    }
  }

  private async get(
    url: string,
    options: DownloadOptions,
    headers: Record<string, string>,
    path: string | null,
    offset = 0,
  ): Promise<{ status: number; headers: Record<string, string>; body: Promise<string> | null }> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const config = path
        ? { path, overwrite: true, timeout: options.timeoutMs, followRedirect: false }
        : { timeout: options.timeoutMs, followRedirect: false };
      const task: BlobUtilTask = this.blob.config(config).fetch('GET', current, headers);
      let over = false;
      task.progress({ interval: 100 }, (received) => {
        if (offset + received > options.maxBytes) {
          over = true;
          task.cancel();
        } else options.onProgress?.(offset + received);
      });
      let res;
      try {
        res = await task;
      } catch (err) {
        if (over) throw tooLong(url, options.maxBytes);
        const message = err instanceof Error ? err.message : String(err);
        const reason = /time(d)? ?out/i.test(message) ? 'timeout' : 'network';
        throw new UpdraftError(reason, `cannot reach ${current}: ${message}`, { cause: err });
      }
      if (over) throw tooLong(url, options.maxBytes);
      const info = res.info();
      const lower = Object.fromEntries(Object.entries(info.headers).map(([k, v]) => [k.toLowerCase(), v]));
      if (!REDIRECTS.has(info.status)) {
        return { status: info.status, headers: lower, body: path ? null : Promise.resolve(res.base64()) };
      }
      const location = lower['location'];
      if (!location) throw new UpdraftError('network', `${current} answered ${info.status} without a Location header`);
      const next = resolveLocation(current, location);
      checkRedirectAllowed(current, next);
      if (hop >= this.maxRedirects)
        throw new UpdraftError('network', `${url}: more than ${this.maxRedirects} redirects`);
      current = next;
    }
  }
}

/** Absolute, or origin-relative ("/path"); anything else is refused by checkRedirectAllowed. */
function resolveLocation(current: string, location: string): string {
  if (location.startsWith('/') && !location.startsWith('//')) {
    const origin = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(current);
    if (origin) return origin[0] + location;
  }
  return location;
}

function rangeStart(headers: Record<string, string>): number | null {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(headers['content-range'] ?? '');
  return m ? Number(m[1]) : null;
}

function tooLong(url: string, maxBytes: number): UpdraftError {
  return new UpdraftError('length', `${url} is longer than the allowed ${maxBytes} bytes`);
}
