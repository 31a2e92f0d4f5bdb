import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { isS3ConnectionError, markUnavailable } from '../domain/unavailable.js';
import { assertSha256, type BlobRange, type BlobStore } from './blob-store.js';
import { VerifiedBlobStore, type PendingBlob } from './verified-write.js';
import { parseS3Url, s3ClientFor, type S3Location, type S3ConnectionOptions } from './s3-client.js';

/** S3's minimum part size is 5 MiB; 8 MiB keeps memory per upload small and parts few. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface S3BlobStoreOptions extends S3ConnectionOptions {
  /** `s3://bucket/prefix`: blobs are stored as `<prefix>/<sha256>`. */
  url: string;
  /** Blobs larger than this go up as a multipart upload of parts this size. */
  partSize?: number;
  /**
   * Where the same objects are publicly readable (a CDN in front of the bucket), e.g.
   * `https://updates.example.com/blobs`. When set, the server redirects target downloads there.
   */
  publicBaseUrl?: string;
}

function md5(body: Uint8Array): string {
  return createHash('md5').update(body).digest('base64');
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * Blobs in any S3-compatible bucket. An object appears only complete and verified: small blobs
 * are hashed in memory before one PutObject; large ones go up as a multipart upload that is
 * completed only after the hash matched (and aborted otherwise), so no reader ever sees a
 * partial or wrong blob under a hash name. Every body carries its Content-MD5 (and a single
 * PutObject its SHA-256 checksum), so the store itself refuses bytes damaged on the way, and
 * the stored length is checked after the write (an object of the wrong length is deleted).
 */
export class S3BlobStore extends VerifiedBlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly location: S3Location;
  private readonly partSize: number;
  private readonly publicBase: string | null;
  /** client.send, with a store that cannot be reached marked unavailable (answered 503). */
  private readonly send: S3Client['send'];

  constructor(opts: S3BlobStoreOptions) {
    super();
    this.location = parseS3Url(opts.url);
    this.client = s3ClientFor(opts);
    const send = this.client.send as (command: unknown) => Promise<unknown>;
    this.send = ((command: unknown) =>
      send.call(this.client, command).catch((err: unknown) => {
        throw isS3ConnectionError(err) ? markUnavailable(err, 'blob-store') : err;
      })) as S3Client['send'];
    this.partSize = Math.max(opts.partSize ?? DEFAULT_PART_SIZE, 5 * 1024 * 1024);
    this.publicBase = opts.publicBaseUrl ? opts.publicBaseUrl.replace(/\/+$/, '') : null;
  }

  get bucket(): string {
    return this.location.bucket;
  }

  private keyOf(sha256: string): string {
    assertSha256(sha256);
    return `${this.location.prefix}${sha256}`;
  }

  publicUrl(sha256: string): string | null {
    return this.publicBase ? `${this.publicBase}/${sha256}` : null;
  }

  async stat(sha256: string): Promise<{ length: number } | null> {
    try {
      const head = await this.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) }));
      return { length: Number(head.ContentLength ?? 0) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /**
   * Bytes held in memory up to one part: a blob that fits goes up as one PutObject at commit;
   * a larger one as a multipart upload whose completion is the commit.
   */
  protected async begin(sha256: string): Promise<PendingBlob> {
    const key = this.keyOf(sha256);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let uploadId: string | undefined;
    const parts: CompletedPart[] = [];

    const flushPart = async (): Promise<void> => {
      const body = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      if (uploadId === undefined) {
        const created = await this.send(
          new CreateMultipartUploadCommand({
            Bucket: this.bucket,
            Key: key,
            ContentType: 'application/octet-stream',
            CacheControl: IMMUTABLE,
          }),
        );
        uploadId = created.UploadId;
        if (!uploadId) throw new Error(`S3 gave no upload id for ${key}`);
      }
      const partNumber = parts.length + 1;
      const res = await this.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
          ContentMD5: md5(body),
        }),
      );
      parts.push({ PartNumber: partNumber, ETag: res.ETag });
    };

    return {
      write: async (chunk) => {
        pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        pendingBytes += chunk.length;
        // Keep the last (possibly short) part until the end: only it may be under 5 MiB.
        if (pendingBytes > this.partSize) {
          const all = Buffer.concat(pending, pendingBytes);
          pending = [all.subarray(0, this.partSize)];
          pendingBytes = this.partSize;
          const rest = all.subarray(this.partSize);
          await flushPart();
          pending = [rest];
          pendingBytes = rest.length;
        }
      },
      // Written even when the object exists: the same bytes again, and a damaged copy is repaired.
      commit: async () => {
        if (uploadId === undefined) {
          const body = Buffer.concat(pending, pendingBytes);
          await this.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key: key,
              Body: body,
              ContentLength: body.length,
              ContentMD5: md5(body),
              ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
              ContentType: 'application/octet-stream',
              CacheControl: IMMUTABLE,
            }),
          );
          return;
        }
        if (pendingBytes > 0) await flushPart();
        await this.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        );
      },
      abort: async () => {
        pending = [];
        if (uploadId === undefined) return;
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
          .catch(() => undefined);
      },
    };
  }

  async get(sha256: string): Promise<Uint8Array | null> {
    try {
      const res = await this.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) }));
      if (!res.Body) return null;
      return await res.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async createReadStream(sha256: string, range?: BlobRange): Promise<{ length: number; stream: Readable } | null> {
    try {
      const res = await this.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(sha256),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      if (!res.Body) return null;
      // In Node the SDK's body is an http.IncomingMessage, i.e. a Readable.
      return { length: Number(res.ContentLength ?? 0), stream: res.Body as Readable };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(sha256: string): Promise<void> {
    // One by one on purpose: Swift's S3 API wants a Content-MD5 on DeleteObjects that SDK v3 no longer sends.
    await this.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) }));
  }

  async ping(): Promise<void> {
    await this.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
