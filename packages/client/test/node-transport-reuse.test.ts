import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeTransport } from '../src/ports/node/transport.js';
import { startStaleConnectionServer } from '@updraft/test-kit/stale-connection-server';
import { tempDir } from './helpers/setup.js';

// A server closes an idle keep-alive connection just as the client sends its next request on
// it: the device's transport sends that request again on a new connection, once.

const caps = { maxBytes: 1 << 20, timeoutMs: 5_000 };

for (const close of ['fin', 'rst'] as const) {
  test(`requests on a connection the server closed meanwhile are sent again (${close})`, async () => {
    const server = await startStaleConnectionServer((req) => ({ body: `answer to ${req.path}` }), close);
    try {
      const transport = new NodeTransport();
      const dir = await tempDir();
      for (let i = 0; i < 4; i++) {
        const got = await transport.fetchBytes(`${server.url}/m${i}`, caps);
        assert.equal(new TextDecoder().decode(got.bytes), `answer to /m${i}`);
        await sleep(20); // lets the connection go back to the pool, so the next request reuses it
        const file = join(dir, `f${i}`);
        const done = await transport.downloadToFile(`${server.url}/f${i}`, file, caps);
        assert.equal(done.status, 200);
        assert.equal(await readFile(file, 'utf8'), `answer to /f${i}`);
        await sleep(20);
      }
      assert.ok(server.cutOff >= 4, `the server cut off ${server.cutOff} reused connections`);
      assert.equal(server.answered.length, 8);
    } finally {
      await server.close();
    }
  });
}
