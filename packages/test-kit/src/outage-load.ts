import { mkdir, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { publishArgs, runCli, type ServerProcess } from './cli.js';

/**
 * A light, steady load for outage tests: device checks (with and without If-None-Match, and
 * the root walk's request for the next root), an admin read, and a CLI publish every few
 * seconds, each recording when it ran and what it got.
 */

export interface Outcome {
  at: number;
  /** `root`: the request for the root after the app's first, answered 404 (no newer root). */
  kind: 'check' | 'root' | 'admin' | 'file' | 'publish';
  /** HTTP status, or 0 for a connection error, or -1 for a failed CLI publish (see detail). */
  status: number;
  retryAfter?: string | null;
  detail?: string;
}

export interface Load {
  outcomes: Outcome[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `filePath`: a repository path (e.g. targets/files/<sha256>) downloaded in a loop too. */
export function startLoad(server: ServerProcess, app: string, keys: string, work: string, filePath?: string): Load {
  const outcomes: Outcome[] = [];
  let running = true;
  let etag: string | null = null;
  const checks = (async () => {
    for (let i = 0; running; i++) {
      const headers: Record<string, string> = i % 2 === 0 && etag ? { 'if-none-match': etag } : {};
      const at = Date.now();
      try {
        const res = await fetch(`${server.url}/repo/${app}/metadata/timestamp.json`, { headers });
        await res.arrayBuffer();
        etag = res.headers.get('etag') ?? etag;
        outcomes.push({ at, kind: 'check', status: res.status, retryAfter: res.headers.get('retry-after') });
      } catch (err) {
        outcomes.push({ at, kind: 'check', status: 0, detail: String((err as Error).cause ?? err) });
      }
      await sleep(40);
    }
  })();
  // The check as a device makes it at launch, the next root (404) then timestamp.json, over
  // connections of their own (Connection: close, as some proxies send them) and so through the
  // full route rather than the cached check path of a reused connection; every third over a
  // reused one. seedApp's app has root 1 and nothing here rotates it.
  const walks = (async () => {
    for (let i = 0; running; i++) {
      const closing = i % 3 !== 2;
      for (const [kind, file] of [
        ['root', '2.root.json'],
        ['check', 'timestamp.json'],
      ] as const) {
        const at = Date.now();
        const url = `${server.url}/repo/${app}/metadata/${file}`;
        try {
          const res = closing ? await getClosing(url) : await fetchStatus(url);
          outcomes.push({ at, kind, status: res.status, retryAfter: res.retryAfter });
        } catch (err) {
          outcomes.push({ at, kind, status: 0, detail: String((err as Error).cause ?? err) });
        }
      }
      await sleep(100);
    }
  })();
  const admin = (async () => {
    while (running) {
      const at = Date.now();
      try {
        const res = await fetch(`${server.url}/v1/apps/${app}/releases`, {
          headers: { authorization: `Bearer ${server.adminKey}` },
        });
        const body = await res.text();
        outcomes.push({
          at,
          kind: 'admin',
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          detail: res.ok ? '' : body,
        });
      } catch (err) {
        outcomes.push({ at, kind: 'admin', status: 0, detail: String((err as Error).cause ?? err) });
      }
      await sleep(100);
    }
  })();
  const files = (async () => {
    while (running && filePath) {
      const at = Date.now();
      try {
        const res = await fetch(`${server.url}/repo/${app}/${filePath}`);
        const body = await res.text();
        outcomes.push({
          at,
          kind: 'file',
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          detail: res.ok ? '' : body,
        });
      } catch (err) {
        outcomes.push({ at, kind: 'file', status: 0, detail: String((err as Error).cause ?? err) });
      }
      await sleep(100);
    }
  })();
  const publishes = (async () => {
    for (let n = 100; running; n++) {
      const dir = join(work, `load-${n}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'index.ios.bundle'), `console.log("load ${n}")`);
      const at = Date.now();
      const res = await runCli(publishArgs({ dir, app, keys }), {
        UPDRAFT_SERVER: server.url,
        UPDRAFT_API_KEY: server.adminKey,
      });
      outcomes.push({ at, kind: 'publish', status: res.code === 0 ? 201 : -1, detail: res.stderr.trim() });
      await sleep(1500);
    }
  })();
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all([checks, walks, admin, files, publishes]);
    },
  };
}

type Answer = { status: number; retryAfter: string | null };

async function fetchStatus(url: string): Promise<Answer> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

/** One GET on a connection of its own (`Connection: close`). */
function getClosing(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => {
        const retryAfter = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null });
      });
    }).on('error', reject);
  });
}

/** Creates the app and publishes a first release, so checks have something to answer. */
export async function seedApp(server: ServerProcess, app: string, keys: string, work: string): Promise<void> {
  const env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  const created = await runCli(['apps', 'create', app, '--keys', keys, '--json'], env);
  if (created.code !== 0) throw new Error(`apps create failed: ${created.stderr}`);
  await publishOnce(server, app, keys, work, 'v1');
}

/** One CLI publish of a small bundle; throws with the CLI's message when it fails. */
export async function publishOnce(server: ServerProcess, app: string, keys: string, work: string, name: string) {
  const env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.ios.bundle'), `console.log("${name}")`);
  const published = await runCli(publishArgs({ dir, app, keys }), env);
  if (published.code !== 0) throw new Error(`publish failed: ${published.stderr}`);
}

/** The answer the request gets when nothing is away: 200/304 (404 for the next root, 201 for a publish). */
export function served(o: Outcome): boolean {
  if (o.kind === 'root') return o.status === 404;
  if (o.kind === 'publish') return o.status === 201;
  return o.status === 200 || o.status === 304;
}

/**
 * What an outage test asserts, for outcomes between `from` and `to`: nothing but successes
 * (for the next root, its 404) and 503s with Retry-After (a publish that failed must say the server is unavailable).
 */
export function unexpected(outcomes: Outcome[], from = 0, to = Infinity): Outcome[] {
  return outcomes.filter((o) => {
    if (o.at < from || o.at > to) return false;
    if (o.kind === 'publish') return o.status !== 201 && !/unavailable|503/i.test(o.detail ?? '');
    if (o.status === 503) return !o.retryAfter;
    return !served(o);
  });
}
