import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, normalize, resolve, sep } from 'node:path';

/**
 * The plainest static file host: GET/HEAD of files under a folder, 404 for anything else.
 * It knows nothing about Updraft, so a device that syncs from it proves static mode works
 * without an Updraft server.
 */
export interface StaticServer {
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  stop(): Promise<void>;
}

export async function startStaticServer(folder: string): Promise<StaticServer> {
  const root = resolve(folder);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.push(path);
      const file = normalize(join(root, path));
      const info = await stat(file).catch(() => null);
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !file.startsWith(root + sep) || !info?.isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        'content-length': info.size,
        'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    })();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
