import { randomBytes } from 'node:crypto';
import { UpdraftClient } from '../../client.js';
import type { UpdraftClientConfig } from '../../config.js';
import type { Clock, Timers, Transport } from '../ports.js';
import { nodeBrotliDecoder } from './brotli.js';
import { systemClock } from './clock.js';
import { NodeHasher } from './hasher.js';
import { NodeStorage } from './storage.js';
import { NodeTransport } from './transport.js';
import { nodeSignatureBackend } from './signature-backend.js';
import { setSignatureBackend } from '@updraft/protocol';

export interface NodeClientOptions extends UpdraftClientConfig {
  /** The device folder: state, trusted metadata and releases live under it. */
  dir: string;
  /** Replaces the default NodeTransport (e.g. one with extra headers). */
  transport?: Transport;
  clock?: Clock;
  /** Replaces the global setTimeout (tests). */
  timers?: Timers;
}

/** An UpdraftClient wired to the local file system and Node's fetch. */
export function createNodeClient(options: NodeClientOptions): UpdraftClient {
  const { dir, transport, clock, timers, ...config } = options;
  // OpenSSL instead of pure-JS curve arithmetic: a check verifies several signatures.
  setSignatureBackend(nodeSignatureBackend);
  return new UpdraftClient(config, {
    transport: transport ?? new NodeTransport(),
    storage: new NodeStorage(dir),
    hasher: new NodeHasher(),
    clock: clock ?? systemClock,
    random: (n) => new Uint8Array(randomBytes(n)),
    brotli: nodeBrotliDecoder,
    ...(timers ? { timers } : {}),
  });
}
