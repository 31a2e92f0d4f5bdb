import { join } from 'node:path';
import type { BlobStore } from './blob-store.js';
import { FolderBlobStore } from './folder-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';
import { isS3Url, type S3ConnectionOptions } from './s3-client.js';

export interface BlobStoreSpec extends S3ConnectionOptions {
  /** `s3://bucket/prefix`, a folder path, or undefined for `<dataDir>/blobs`. */
  blobs?: string;
  dataDir: string;
  publicBaseUrl?: string;
}

/** The blob store a server or CLI command uses: S3 for s3:// locations, else a folder. */
export async function openBlobStore(spec: BlobStoreSpec): Promise<BlobStore> {
  if (spec.blobs && isS3Url(spec.blobs)) {
    const opts: ConstructorParameters<typeof S3BlobStore>[0] = { url: spec.blobs };
    if (spec.endpoint !== undefined) opts.endpoint = spec.endpoint;
    if (spec.region !== undefined) opts.region = spec.region;
    if (spec.forcePathStyle !== undefined) opts.forcePathStyle = spec.forcePathStyle;
    if (spec.publicBaseUrl !== undefined) opts.publicBaseUrl = spec.publicBaseUrl;
    return new S3BlobStore(opts);
  }
  if (spec.publicBaseUrl !== undefined) throw new Error('a public blob URL needs an s3:// blob store (--blobs s3://…)');
  return FolderBlobStore.open(spec.blobs ?? join(spec.dataDir, 'blobs'));
}
