import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/app/logger.js';
import { BIG, hold } from './download-helpers.js';
import { createTrustedApp, prepareRelease, sha256, startTestServer, type TestServer } from './helpers.js';

// The repository's answers that end early (a 304, an encoded variant, a download refused for
// want of a slot) were made by helpers that returned the Fastify reply from an async function.
// A reply is a thenable, so the helper's promise resolved to undefined once the answer was
// sent, and the route, seeing nothing answered, sent again: Fastify logged "Reply was already
// sent" (FST_ERR_REP_ALREADY_SENT) for every compressed or 304 metadata document (fetch asks
// for gzip by default), and a refused download went on to open its file for a reply already
// sent. Each of these answers must be sent once: nothing in the server's warnings.

const APP = 'once.app';

function answer(url: string, headers: Record<string, string>): Promise<{ res: IncomingMessage; bytes: number }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ res, bytes }));
    }).on('error', reject);
  });
}

describe('answers that end early are sent once', () => {
  let t: TestServer;
  let bigUrl: string;
  const lines: string[] = [];
  const alreadySent = () => lines.filter((l) => l.includes('FST_ERR_REP_ALREADY_SENT') || /already sent/i.test(l));

  before(async () => {
    t = await startTestServer({
      downloadLimits: { perSource: 1, perSourceQueue: 0, bytesPerSecondPerSource: 0 },
      logger: createLogger({ level: 'warn', destination: { write: (l: string) => lines.push(l) } }),
    });
    const { keys } = await createTrustedApp(t, APP);
    const big = new Uint8Array(BIG).fill(0x62);
    const rel = await prepareRelease(t, APP, keys, {
      releaseId: 'big',
      versionCode: 1,
      files: { 'index.bundle': big },
    });
    assert.equal((await t.api('POST', `/v1/apps/${APP}/releases`, rel.body)).status, 201);
    bigUrl = `${t.url}/repo/${APP}/targets/manifests/${sha256(big)}`;
    lines.length = 0;
  });
  after(() => t?.stop());

  it('a metadata document compressed, then revalidated (304)', async () => {
    const url = `${t.url}/repo/${APP}/metadata/1.root.json`;
    const gz = await answer(url, { 'accept-encoding': 'gzip' });
    assert.equal(gz.res.statusCode, 200);
    assert.equal(gz.res.headers['content-encoding'], 'gzip', 'the root is large enough to be compressed');
    const etag = gz.res.headers.etag!;
    const again = await answer(url, { 'accept-encoding': 'gzip', 'if-none-match': etag });
    assert.equal(again.res.statusCode, 304);
    const plain = await answer(url, { 'if-none-match': etag });
    assert.equal(plain.res.statusCode, 304);
    // The logger writes after the response; give it a moment.
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(alreadySent(), []);
  });

  it('a download refused for want of a slot (429)', async () => {
    lines.length = 0;
    const first = hold(bigUrl);
    try {
      await first.answer;
      assert.equal(first.answered?.statusCode, 200);
      const refused = await answer(bigUrl, {});
      assert.equal(refused.res.statusCode, 429);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(alreadySent(), []);
    } finally {
      first.req.destroy();
    }
    // The refused request took no slot nor left one taken: the next download streams.
    let status: number | undefined;
    for (let i = 0; i < 100 && status !== 200; i++) {
      const next = hold(bigUrl);
      status = (await next.answer).statusCode;
      next.req.destroy();
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 200);
  });
});
