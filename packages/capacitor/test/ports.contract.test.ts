import { Directory } from '@capacitor/filesystem';
import { platformPortsContract } from '@updraft/test-kit/contract/platform-ports';
import { CAPACITOR_FOLDER, CapacitorHasher, CapacitorStorage, CapacitorTransport } from '../src/ports.js';
import { MemoryFilesystem } from './fake-capacitor.js';

// @capacitor/filesystem faked in memory (fake-capacitor.ts); the WebView's fetch is Node's.
for (const [name, subtle] of [
  ['Capacitor (WebCrypto)', globalThis.crypto.subtle],
  ['Capacitor (no WebCrypto)', null],
] as const) {
  platformPortsContract({
    name,
    async create() {
      const fs = new MemoryFilesystem();
      const { uri } = await fs.api.getUri({ path: CAPACITOR_FOLDER, directory: Directory.Data });
      const storage = new CapacitorStorage(fs.api, uri.replace(/^file:\/\//, ''));
      return {
        storage,
        transport: new CapacitorTransport(fs.api, storage, globalThis.fetch.bind(globalThis)),
        hasher: new CapacitorHasher(fs.api, storage, subtle),
        cleanup: async () => {},
      };
    },
  });
}
