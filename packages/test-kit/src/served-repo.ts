import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { TestRepo } from './test-repo.js';

const servers: Server[] = [];
// At module load, so the hook belongs to the test file rather than to the first test using it.
after(() => servers.forEach((s) => (s.closeAllConnections(), s.close())));

/** How a file the repo has is answered (a test's faults, ranges or counters go here). */
export type SendFile = (req: IncomingMessage, res: ServerResponse, bytes: Uint8Array) => void;

export function sendWhole(res: ServerResponse, bytes: Uint8Array): void {
  res.writeHead(200, { 'content-length': String(bytes.length) }).end(bytes);
}

/**
 * Answers an open-ended `Range: bytes=N-` (what a resumed download asks) with a 206 of the
 * rest of the file; false, having sent nothing, when the request has no such range.
 */
export function sendRange(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array): boolean {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (!m) return false;
  const start = Number(m[1]);
  res
    .writeHead(206, { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` })
    .end(bytes.subarray(start));
  return true;
}

/**
 * A TestRepo served over real HTTP on a free 127.0.0.1 port: a request for a path answers
 * the repo's file at that URL through `send` (whole by default), and 404 when it has none.
 * The server is closed when the test file ends.
 */
export async function serveTestRepo(send: SendFile = (_req, res, bytes) => sendWhole(res, bytes)): Promise<TestRepo> {
  const http = createServer();
  servers.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const repo = new TestRepo(`http://127.0.0.1:${(http.address() as AddressInfo).port}`);
  http.on('request', (req, res) => {
    const bytes = repo.files.get(`${repo.server}${req.url}`);
    if (!bytes) return void res.writeHead(404).end();
    send(req, res, bytes);
  });
  return repo;
}
