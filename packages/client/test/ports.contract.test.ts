import { rm } from 'node:fs/promises';
import { NodeHasher } from '../src/ports/node/hasher.js';
import { NodeStorage } from '../src/ports/node/storage.js';
import { NodeTransport } from '../src/ports/node/transport.js';
import { platformPortsContract } from '@updraft/test-kit/contract/platform-ports';
import { tempDir } from './helpers/setup.js';

// The React Native and Capacitor bindings run the same suite in their own packages' tests.
platformPortsContract({
  name: 'Node',
  async create() {
    const dir = await tempDir();
    return {
      storage: new NodeStorage(dir),
      transport: new NodeTransport(),
      hasher: new NodeHasher(),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
});
