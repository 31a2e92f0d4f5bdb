import { writeFile } from 'node:fs/promises';
import { UpdraftError } from '@updraft/protocol';
import type { DownloadOptions, DownloadResult, FetchOptions, FetchResult, Transport } from '../../src/ports/ports.js';

/**
 * The Transport port faked at its boundary: serves a Map of URL → bytes, 404 otherwise,
 * and records every request. Honours maxBytes the way the contract requires.
 */
export class FakeTransport implements Transport {
  readonly requests: string[] = [];
  /** Set to make every request fail as a connection error would. */
  offline = false;

  constructor(private readonly files: Map<string, Uint8Array>) {}

  async fetchBytes(url: string, options: FetchOptions): Promise<FetchResult> {
    const bytes = this.lookup(url, options.maxBytes);
    return bytes ? { status: 200, bytes: bytes.slice() } : { status: 404, bytes: new Uint8Array(0) };
  }

  async downloadToFile(url: string, destination: string, options: DownloadOptions): Promise<DownloadResult> {
    const bytes = this.lookup(url, options.maxBytes);
    if (!bytes) return { status: 404, bytesWritten: 0 };
    await writeFile(destination, bytes);
    options.onProgress?.(bytes.length);
    return { status: 200, bytesWritten: bytes.length };
  }

  /** Requests for release payload files. */
  fileRequests(): string[] {
    return this.requests.filter((u) => u.includes('/targets/files/'));
  }

  private lookup(url: string, maxBytes: number): Uint8Array | null {
    this.requests.push(url);
    if (this.offline) throw new UpdraftError('network', `cannot reach ${url}: ECONNREFUSED`);
    const bytes = this.files.get(url);
    if (!bytes) return null;
    if (bytes.length > maxBytes) throw new UpdraftError('length', `${url} is longer than ${maxBytes} bytes`);
    return bytes;
  }
}
