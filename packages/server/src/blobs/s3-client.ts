import { S3Client } from '@aws-sdk/client-s3';

/** Where an `s3://bucket/prefix` URL points. `prefix` is empty or ends with '/'. */
export interface S3Location {
  bucket: string;
  prefix: string;
}

export interface S3ConnectionOptions {
  /** Default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, else AWS itself. */
  endpoint?: string;
  /** Default: $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1. */
  region?: string;
  /** Path-style URLs (endpoint/bucket/key): MinIO, Swift, most self-hosted stores. Default: on when an endpoint is set. */
  forcePathStyle?: boolean;
  /** Default: the SDK's chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function isS3Url(url: string): boolean {
  return url.startsWith('s3://');
}

export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match || !BUCKET.test(match[1]!)) {
    throw new Error(`"${url}" is not an S3 location: write s3://bucket or s3://bucket/prefix`);
  }
  const rawPrefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (rawPrefix.split('/').some((s) => s === '.' || s === '..')) {
    throw new Error(`"${url}": the prefix must not contain '.' or '..' segments`);
  }
  return { bucket: match[1]!, prefix: rawPrefix ? `${rawPrefix}/` : '' };
}

/**
 * An S3 client from explicit options or the standard AWS environment (credentials come from
 * the SDK's default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, instance roles).
 */
export function s3ClientFor(opts: S3ConnectionOptions): S3Client {
  const env = process.env;
  const endpoint = opts.endpoint ?? env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL'];
  const region = opts.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
  return new S3Client({
    region,
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: opts.forcePathStyle ?? Boolean(endpoint),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    // Only the checksums S3 itself requires: S3-compatible stores (Swift, older MinIO, R2) do
    // not all accept the SDK's default CRC32 trailers. Integrity is ours anyway: blobs are
    // verified against their SHA-256 before they are written.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
