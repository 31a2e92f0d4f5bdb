import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A man in the middle on 127.0.0.1: every device request goes through it to the real server,
 * and the attack installed for the current case may answer instead, change the answer, or
 * stall. It only ever talks to the upstream URL it was given (a loopback server).
 */

export interface Upstream {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type Answer =
  | { status: number; headers?: Record<string, string>; body?: Buffer | string }
  /** Sends the status and headers (and `partial` bytes), then nothing, forever. */
  | { stall: true; partial?: Buffer }
  /** Streams `chunk` repeatedly without end (no content-length): endless data. */
  | { endless: Buffer };

/** Decides the answer for one request; `forward()` fetches the real one from the server. */
export type Attack = (path: string, forward: () => Promise<Upstream>) => Promise<Answer | Upstream>;

export const passThrough: Attack = async (_path, forward) => forward();

export interface HostileProxy {
  url: string;
  /** Every path requested since the last reset, in order. */
  requests: string[];
  attack: Attack;
  close(): Promise<void>;
}

async function forwardTo(upstream: string, path: string): Promise<Upstream> {
  const res = await fetch(upstream + path, { redirect: 'manual' });
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'cache-control', 'location']) {
    const v = res.headers.get(name);
    if (v) headers[name] = v;
  }
  return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) };
}

function answer(res: ServerResponse, a: Answer | Upstream, open: Set<ServerResponse>): void {
  if ('stall' in a) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    if (a.partial) res.write(a.partial);
    open.add(res); // closed only when the proxy closes
    return;
  }
  if ('endless' in a) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const pump = () => {
      while (res.write(a.endless)) if (res.destroyed) return;
      res.once('drain', pump);
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
    return;
  }
  const body = a.body === undefined ? Buffer.alloc(0) : Buffer.from(a.body);
  res.writeHead(a.status, { ...(a.headers ?? {}), 'content-length': String(body.length) });
  res.end(body);
}

function handler(upstream: string, state: { attack: Attack; requests: string[] }, open: Set<ServerResponse>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    state.requests.push(path);
    state
      .attack(path, () => forwardTo(upstream, path))
      .then((a) => answer(res, a, open))
      .catch((err: unknown) => {
        res.writeHead(502).end(String(err));
      });
  };
}

async function listen(server: Server, proto: 'http' | 'https'): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `${proto}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startHostileProxy(upstream: string, tls?: { key: string; cert: string }): Promise<HostileProxy> {
  const open = new Set<ServerResponse>();
  const state = { attack: passThrough, requests: [] as string[] };
  const server = tls
    ? createHttpsServer(tls, handler(upstream, state, open))
    : createServer(handler(upstream, state, open));
  const url = await listen(server, tls ? 'https' : 'http');
  return {
    url,
    get requests() {
      return state.requests;
    },
    set requests(v: string[]) {
      state.requests = v;
    },
    get attack() {
      return state.attack;
    },
    set attack(a: Attack) {
      state.attack = a;
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A plain static file server over a folder: the "CDN" of a static export. */
export async function startStaticServer(root: string): Promise<{ url: string; close(): Promise<void> }> {
  const { readFile } = await import('node:fs/promises');
  const { join, normalize } = await import('node:path');
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!));
    if (path.includes('..')) return void res.writeHead(400).end();
    readFile(join(root, path)).then(
      (body) => res.writeHead(200, { 'content-length': String(body.length) }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  const url = await listen(server, 'http');
  return {
    url,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
