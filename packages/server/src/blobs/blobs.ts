export * from './blob-store.js';
export { FolderBlobStore } from './folder-blob-store.js';
export { S3BlobStore, DEFAULT_PART_SIZE, type S3BlobStoreOptions } from './s3-blob-store.js';
export { isS3Url, parseS3Url, s3ClientFor, type S3Location, type S3ConnectionOptions } from './s3-client.js';
export { openBlobStore, type BlobStoreSpec } from './open-blob-store.js';
export { verifiedPut, type PendingBlob, type RawBlobWrites } from './verified-write.js';
