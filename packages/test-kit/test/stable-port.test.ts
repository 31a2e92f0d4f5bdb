import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { after, test } from 'node:test';
import { ephemeralPortRange, stablePort } from '../src/services.js';
import { startTcpProxy, type TcpProxy } from '../src/tcp-proxy.js';

// A service an outage test stops and starts again (a PostgreSQL halt, the S3 proxy's cut)
// gives its port up meanwhile. In the kernel's ephemeral range, any new connection on the
// machine may get that port as its source port, and the restart fails with EADDRINUSE: by
// chance, more often on a busy CI machine. Such services listen outside that range.

const range = ephemeralPortRange();
const outside = (port: number) => range !== null && (port < range[0] || port > range[1]);
let proxy: TcpProxy | undefined;
after(async () => proxy?.stop());

test('stablePort is a free port outside the ephemeral range', { skip: range === null && 'not Linux' }, async () => {
  const port = await stablePort();
  assert.ok(outside(port), `${port} is outside ${range!.join('-')}`);
  await new Promise<void>((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
});

test('the TCP proxy cuts and restores on such a port', { skip: range === null && 'not Linux' }, async () => {
  const target = createServer((socket) => socket.end('hello'));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  try {
    proxy = await startTcpProxy('127.0.0.1', (target.address() as { port: number }).port);
    assert.ok(outside(proxy.port), `the proxy's port ${proxy.port} is outside ${range!.join('-')}`);
    await proxy.cut();
    await proxy.restore();
    const answer = await fetchText(proxy.port);
    assert.equal(answer, 'hello');
  } finally {
    target.close();
  }
});

function fetchText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    connect(port, '127.0.0.1')
      .setEncoding('utf8')
      .on('data', (d: string) => (text += d))
      .on('end', () => resolve(text))
      .on('error', reject);
  });
}
