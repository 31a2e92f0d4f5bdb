import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestServer, tempDir } from './helpers.js';

// An upload that the server stops reading half-way (here the blob disk fills up) is answered,
// then its connection closes: the rest of the body is never read, so a request the client sent
// next on that connection would get no answer until the keep-alive timeout (72 s) reset it.

test('an upload refused half-way (disk full) is answered 507, then its connection closes', async (t) => {
  const dir = await tempDir();
  const blobs = join(dir, 'blobs');
  await mkdir(blobs);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', blobs], { stdio: 'pipe' });
  } catch (err) {
    // Needs root (or CAP_SYS_ADMIN), as the disk-full e2e test.
    t.skip(`cannot mount a tmpfs here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
    await rm(dir, { recursive: true, force: true });
    return;
  }
  const server = await startTestServer({ dataDir: join(dir, 'data'), blobs });
  try {
    assert.equal((await server.api('POST', '/v1/apps', { appId: 'com.example.full' })).status, 201);
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (received += d));
    socket.on('error', () => undefined);
    const ended = new Promise<boolean>((resolve) => {
      socket.once('end', () => resolve(true));
      socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 10_000).unref();
    });
    // 2 MiB announced, 1.5 MiB sent (more than the disk holds), the rest held back.
    socket.write(
      `PUT /v1/apps/com.example.full/blobs/${'ab'.repeat(32)} HTTP/1.1\r\nhost: ${hostname}\r\n` +
        `authorization: Bearer ${server.key}\r\ncontent-type: application/octet-stream\r\n` +
        `content-length: ${2 * 1024 * 1024}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(1536 * 1024, 7));
    const closed = await ended;
    const head = received.slice(0, received.indexOf('\r\n\r\n')).toLowerCase();
    assert.match(head, /^http\/1\.1 507 /, received);
    assert.match(head, /\r\nconnection: close\r\n/, head);
    assert.ok(closed, 'the server closes the connection after the answer');
    socket.destroy();
  } finally {
    await server.stop();
    execFileSync('umount', [blobs]);
    await rm(dir, { recursive: true, force: true });
  }
});
