import { createServer, connect, type Server, type Socket } from 'node:net';
import { stablePort } from './services.js';

/**
 * A TCP proxy on 127.0.0.1 in front of a shared service, so a test can make that service
 * "go away" for this server alone: cut() closes the port and every connection through it,
 * restore() listens again on the same port (stablePort: one the kernel does not hand out to
 * outgoing connections meanwhile).
 */
export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        resolve((s.address() as { port: number }).port);
      });
    });
  const close = async () => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  // cut() gives the port up and restore() takes it again: one no outgoing connection can take meanwhile.
  const port = await listen(await stablePort());
  return {
    port,
    cut: close,
    restore: async () => {
      await listen(port);
    },
    stop: close,
  };
}
