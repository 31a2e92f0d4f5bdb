import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { get, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import type { DownloadLimits, DownloadSlots } from '../src/index.js';
import { createTrustedApp, prepareRelease, sha256, startTestServer, type TestServer } from './helpers.js';

// What the download-slots and download-rate tests share: a server holding one big release
// file, and anonymous downloads of it that a test holds open, drains or counts.

export const MIB = 1024 * 1024;
/** Far more than loopback's socket buffers hold, so a client that does not read keeps its stream open. */
export const BIG = 32 * MIB;

export interface Pending {
  req: ClientRequest;
  answer: Promise<IncomingMessage>;
  answered: IncomingMessage | null;
}

/**
 * Every held download not yet closed. A server from serverWithBigFile drops them before it
 * stops: a test that fails mid-way leaves them open, and the server's close would otherwise
 * wait on them for ever, so the run would hang instead of reporting the failure.
 */
const held = new Set<ClientRequest>();

/** A download whose body is not read: its slot stays taken until `req.destroy()`. */
export function hold(url: string, headers: Record<string, string> = {}, options: RequestOptions = {}): Pending {
  let req!: ClientRequest;
  const p: Pending = {
    req: undefined as unknown as ClientRequest,
    answered: null,
    answer: new Promise((resolve, reject) => {
      req = get(url, { agent: false, headers, ...options }, (res) => {
        res.pause();
        p.answered = res;
        resolve(res);
      });
      req.on('error', reject);
    }),
  };
  p.req = req;
  held.add(req);
  req.on('close', () => held.delete(req));
  // A destroyed request rejects; only the answers that came matter.
  p.answer.catch(() => undefined);
  return p;
}

/** Reads an answer whole: its status and byte count. */
export function drain(res: IncomingMessage): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    res.on('data', (c: Buffer) => (bytes += c.length));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
    res.on('error', reject);
    res.resume();
  });
}

/**
 * Polls until `done()`. The deadline is not a latency assertion (a loaded machine is far
 * quicker than it): it turns a state that never comes into a failure naming it, not a hang.
 */
export async function waitUntil(what: string, done: () => boolean, deadlineMs = 60_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  assert.ok(done(), `${what}: not within ${deadlineMs / 1000} s`);
}

const METRICS_TOKEN = 'download-metrics-' + randomBytes(8).toString('hex');

/**
 * The values of samples in the server's GET /metrics, by their exact name and labels as
 * rendered (e.g. `updraft_downloads_refused_total{status="429"}`); a sample it lacks throws.
 */
export async function metrics(s: BigFileServer, ...samples: string[]): Promise<number[]> {
  const res = await fetch(`${s.t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  assert.equal(res.status, 200);
  const lines = (await res.text()).split('\n');
  return samples.map((sample) => {
    const line = lines.find((l) => l.startsWith(`${sample} `));
    if (!line) throw new Error(`GET /metrics has no sample ${sample}`);
    return Number(line.slice(sample.length + 1));
  });
}

export interface BigFileServer {
  t: TestServer;
  /** The big file as a repository target (under the manifest name too: the name must not matter). */
  url: string;
  appId: string;
}

export async function serverWithBigFile(
  limits: Partial<DownloadLimits>,
  trustProxy?: string[],
  downloads?: DownloadSlots,
): Promise<BigFileServer> {
  const t = await startTestServer({
    metricsToken: METRICS_TOKEN,
    downloadLimits: limits,
    ...(trustProxy ? { trustProxy } : {}),
    ...(downloads ? { downloads } : {}),
  });
  const appId = 'slots.app';
  const { keys } = await createTrustedApp(t, appId);
  const big = new Uint8Array(BIG).fill(0x61);
  const rel = await prepareRelease(t, appId, keys, {
    releaseId: 'big',
    versionCode: 1,
    files: { 'index.bundle': big },
  });
  assert.equal((await t.api('POST', `/v1/apps/${appId}/releases`, rel.body)).status, 201);
  const stop = t.stop;
  t.stop = async () => {
    for (const req of held) req.destroy();
    await stop();
  };
  return { t, url: `${t.url}/repo/${appId}/targets/manifests/${sha256(big)}`, appId };
}
