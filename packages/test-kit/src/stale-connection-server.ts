import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface StaleRequest {
  method: string;
  path: string;
  body: Buffer;
}

export interface StaleConnectionServer {
  url: string;
  /** Connections opened so far. */
  readonly connections: number;
  /** Requests answered (the ones cut off are not listed). */
  readonly answered: StaleRequest[];
  /** Requests that arrived on a reused connection and were cut off. */
  readonly cutOff: number;
  close(): Promise<void>;
}

/**
 * A raw HTTP/1.1 server that answers the first request of every connection with keep-alive,
 * and closes the connection the moment the client sends a second request on it: what a
 * server whose idle timeout fires just as the client reuses its pooled socket looks like from
 * the client. `close: 'fin'` ends the connection (the client reads "other side closed"),
 * `'rst'` resets it (ECONNRESET). Deterministic, unlike a short real timeout and a sleep.
 */
export async function startStaleConnectionServer(
  respond: (req: StaleRequest) => { status?: number; body?: string | Uint8Array; headers?: Record<string, string> },
  close: 'fin' | 'rst' = 'fin',
): Promise<StaleConnectionServer> {
  const sockets = new Set<Socket>();
  const state = { connections: 0, cutOff: 0, answered: [] as StaleRequest[] };
  const server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let served = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [requestLine, ...lines] = buffered.toString('latin1', 0, end).split('\r\n');
        const lengthLine = lines.find((l) => l.toLowerCase().startsWith('content-length:'));
        const length = lengthLine ? Number(lengthLine.slice(15).trim()) : 0;
        if (buffered.length < end + 4 + length) return;
        if (served > 0) {
          state.cutOff++;
          if (close === 'rst') socket.resetAndDestroy();
          else socket.destroy();
          return;
        }
        const [method = '', path = ''] = requestLine!.split(' ');
        const req = { method, path, body: buffered.subarray(end + 4, end + 4 + length) };
        buffered = buffered.subarray(end + 4 + length);
        served++;
        state.answered.push(req);
        const answer = respond(req);
        const body = Buffer.from(answer.body ?? '');
        const headers = { 'content-length': String(body.length), connection: 'keep-alive', ...answer.headers };
        const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
        socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 ${answer.status ?? 200} OK\r\n${head.join('')}\r\n`), body]));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return state.connections;
    },
    get answered() {
      return state.answered;
    },
    get cutOff() {
      return state.cutOff;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
