import { after, before } from 'node:test';
import { startS3, type S3Service } from '../../../test/helpers/services.js';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { S3BlobStore, s3ClientFor } from '../src/index.js';
import { blobStoreContract } from './contract/blob-store-contract.js';

// A real S3-compatible server (Swift's S3 API); each test gets its own bucket and prefix.
let s3: S3Service | string = 'not started';

before(async () => {
  s3 = await startS3();
});

after(async () => {
  if (typeof s3 !== 'string') await s3.stop();
});

blobStoreContract({
  name: 'S3',
  async newStore() {
    if (typeof s3 === 'string') return s3;
    const bucket = await s3.createBucket();
    const connection = {
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    };
    const store = new S3BlobStore({
      url: `s3://${bucket}/some/prefix`,
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      // The smallest part S3 allows, so the large-blob test really uploads several parts.
      partSize: 5 * 1024 * 1024,
    });
    const raw = s3ClientFor(connection);
    return {
      store,
      damage: async (sha256, bytes) => {
        await raw.send(new PutObjectCommand({ Bucket: bucket, Key: `some/prefix/${sha256}`, Body: bytes }));
      },
      cleanup: async () => {
        raw.destroy();
        await store.close();
      },
    };
  },
});
