import { UpdraftClient } from '../../src/client.js';
import type { UpdraftClientConfig } from '../../src/config.js';
import type { Timers } from '../../src/ports/ports.js';
import { NodeHasher } from '../../src/ports/node/hasher.js';
import { NodeStorage } from '../../src/ports/node/storage.js';
import { FakeTransport } from './fake-transport.js';
import { deviceDir } from '@updraft/test-kit/device-dir';
import { NOW, TestRepo } from '@updraft/test-kit/test-repo';

/** A fresh device folder, removed when the test file ends. */
export const tempDir = deviceDir;

export interface Device {
  client: UpdraftClient;
  transport: FakeTransport;
  storage: NodeStorage;
  dir: string;
  clock: { now: () => number };
}

/** A device with real storage and hashing, talking to `repo` through the fake transport. */
export async function device(
  repo: TestRepo,
  options: {
    dir?: string;
    config?: Partial<UpdraftClientConfig>;
    now?: () => number;
    ports?: { timers?: Timers; storage?: (dir: string) => NodeStorage };
  } = {},
): Promise<Device> {
  const dir = options.dir ?? (await tempDir());
  const transport = new FakeTransport(repo.files);
  const storage = options.ports?.storage?.(dir) ?? new NodeStorage(dir);
  const clock = { now: options.now ?? (() => NOW) };
  const client = new UpdraftClient(
    {
      ...repo.deviceTarget(),
      trustedRoot: repo.root(1),
      deviceId: 'test-device',
      ...options.config,
    },
    {
      transport,
      storage,
      hasher: new NodeHasher(),
      clock,
      ...(options.ports?.timers ? { timers: options.ports.timers } : {}),
    },
  );
  return { client, transport, storage, dir, clock };
}

/** A second process on the same device folder: what the next app start sees. */
export function restart(
  repo: TestRepo,
  d: Device,
  config?: Partial<UpdraftClientConfig>,
  ports?: { timers?: Timers },
): Promise<Device> {
  return device(repo, { dir: d.dir, ...(config ? { config } : {}), ...(ports ? { ports } : {}) });
}
