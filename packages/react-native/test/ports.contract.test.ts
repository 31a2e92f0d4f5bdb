import { rm } from 'node:fs/promises';
import { platformPortsContract } from '@updraft/test-kit/contract/platform-ports';
import { deviceDir as tempDir } from '@updraft/test-kit/device-dir';
import { BlobUtilHasher, BlobUtilStorage, BlobUtilTransport } from '../src/ports.js';
import { UPDRAFT_FOLDER } from '../src/updraft.js';
import { FakeNativeModule, fakeBlobUtil } from './fake-platform.js';

// react-native-blob-util and the native module faked at their JavaScript boundary (fake-platform.ts).
platformPortsContract({
  name: 'React Native',
  async create() {
    const documentDir = await tempDir();
    const blob = fakeBlobUtil(documentDir);
    const native = new FakeNativeModule();
    const storage = new BlobUtilStorage(blob, native, `${documentDir}/${UPDRAFT_FOLDER}`);
    return {
      storage,
      transport: new BlobUtilTransport(blob, native),
      hasher: new BlobUtilHasher(blob),
      cleanup: () => rm(documentDir, { recursive: true, force: true }),
    };
  },
});
