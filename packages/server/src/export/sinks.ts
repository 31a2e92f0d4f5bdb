import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isS3Url, parseS3Url, s3ClientFor, type S3ConnectionOptions, type S3Location } from '../blobs/s3-client.js';

/** What a static host should send with a file: the export sets it where the host supports it (S3). */
export interface ObjectMeta {
  contentType: string;
  cacheControl: string;
}

/** A body given as bytes or opened on demand (so a skipped file is never read). */
export type ExportBody = Uint8Array | (() => Promise<{ length: number; stream: Readable }>);

/** Where `updraft export` writes a repository: a folder or a bucket, addressed by relative paths. */
export interface ExportSink {
  /** Human-readable destination, for messages. */
  readonly description: string;
  exists(path: string): Promise<boolean>;
  /** Writes the whole file or nothing: readers never see a partial one. */
  write(path: string, body: ExportBody, meta: ObjectMeta): Promise<void>;
  close(): Promise<void>;
}

function assertRelative(path: string): void {
  if (path.startsWith('/') || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`refusing to write outside the export: "${path}"`);
  }
}

export class FolderSink implements ExportSink {
  readonly description: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.description = this.root;
  }

  private pathOf(path: string): string {
    assertRelative(path);
    const full = join(this.root, ...path.split('/'));
    if (!full.startsWith(this.root + sep)) throw new Error(`refusing to write outside the export: "${path}"`);
    return full;
  }

  async exists(path: string): Promise<boolean> {
    return stat(this.pathOf(path)).then(
      () => true,
      () => false,
    );
  }

  async write(path: string, body: ExportBody): Promise<void> {
    const full = this.pathOf(path);
    await mkdir(dirname(full), { recursive: true });
    // Temp file + rename: a static server never serves half a file (timestamp.json is rewritten in place).
    const tmp = `${full}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const source = body instanceof Uint8Array ? Readable.from([body]) : (await body()).stream;
      await pipeline(source, createWriteStream(tmp, { mode: 0o644 }));
      await rename(tmp, full);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async close(): Promise<void> {}
}

export class S3Sink implements ExportSink {
  readonly description: string;
  private readonly client: S3Client;
  private readonly location: S3Location;

  constructor(url: string, connection: S3ConnectionOptions = {}) {
    this.location = parseS3Url(url);
    this.client = s3ClientFor(connection);
    this.description = url;
  }

  private keyOf(path: string): string {
    assertRelative(path);
    return `${this.location.prefix}${path}`;
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(path) }));
      return true;
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return false;
      throw err;
    }
  }

  async write(path: string, body: ExportBody, meta: ObjectMeta): Promise<void> {
    const opened = body instanceof Uint8Array ? { length: body.length, stream: null } : await body();
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: this.keyOf(path),
        Body: body instanceof Uint8Array ? body : opened.stream!,
        ContentLength: opened.length,
        ContentType: meta.contentType,
        CacheControl: meta.cacheControl,
      }),
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

export function openSink(out: string, connection: S3ConnectionOptions = {}): ExportSink {
  return isS3Url(out) ? new S3Sink(out, connection) : new FolderSink(out);
}
