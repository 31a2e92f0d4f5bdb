import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { checkWebhookUrl, guardedLookup, refusedAddress } from '../src/index.js';
import { createTrustedApp, request, startTestServer, type TestServer } from './helpers.js';

// Issue 14 §9: outbound webhooks cannot be aimed at the server's own network, are checked on
// the address actually connected to, follow no redirect, and are delivered from a queue.

const STRICT = { allowLoopback: false };

describe('webhook URLs and addresses', () => {
  it('refuses http, loopback, private, link-local, CGNAT and metadata targets', () => {
    for (const url of [
      'http://hooks.example.com/x',
      'https://127.0.0.1/x',
      'https://127.8.9.10/x',
      'https://localhost/x',
      'https://10.1.2.3/x',
      'https://172.16.0.1/x',
      'https://192.168.1.1/x',
      'https://100.64.0.1/x',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::1]/x',
      'https://[fe80::1]/x',
      'https://[fd00:ec2::254]/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://[::ffff:a9fe:a9fe]/x',
      'https://0.0.0.0/x',
      'https://user:pw@hooks.example.com/x',
      'ftp://hooks.example.com/x',
    ]) {
      assert.notEqual(checkWebhookUrl(url, STRICT), null, url);
    }
    assert.equal(checkWebhookUrl('https://hooks.example.com/guardrail?token=s', STRICT), null);
    assert.equal(checkWebhookUrl('https://93.184.215.14/x', STRICT), null);
    // The development flag opens loopback only, never private or metadata addresses.
    const dev = { allowLoopback: true };
    assert.equal(checkWebhookUrl('http://127.0.0.1:9/x', dev), null);
    assert.notEqual(checkWebhookUrl('http://10.0.0.1/x', dev), null);
    assert.notEqual(checkWebhookUrl('https://169.254.169.254/x', dev), null);
    assert.equal(refusedAddress('8.8.8.8', STRICT), null);
    // The reason reads as one sentence after "the webhook URL" (it reaches users through the CLI).
    assert.equal(
      checkWebhookUrl('https://169.254.169.254/x', STRICT),
      'may not point at 169.254.169.254, a private, link-local, CGNAT, metadata or reserved address',
    );
    assert.equal(checkWebhookUrl('https://[::1]/x', STRICT), 'may not point at ::1, a loopback address');
  });

  it('checks the resolved address at connect time (DNS rebinding): a name that resolves to loopback is refused', async () => {
    const lookup = guardedLookup(STRICT);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      lookup('localhost', { family: 0 }, (e) => resolve(e)),
    );
    assert.equal(err?.code, 'EREFUSED');
    assert.match(err!.message, /loopback/);
  });
});

describe('webhook delivery queue', () => {
  let t: TestServer;
  let hook: Server;
  let base = '';
  const hits: { path: string; event: string | undefined; delivery: string | undefined }[] = [];
  let hang: (() => void) | null = null;

  before(async () => {
    hook = createServer((req, res) => {
      hits.push({
        path: req.url ?? '',
        event: req.headers['x-updraft-event'] as string | undefined,
        delivery: req.headers['x-updraft-delivery'] as string | undefined,
      });
      req.resume();
      if (req.url === '/redirect') res.writeHead(302, { location: `${base}/elsewhere` }).end();
      else if (req.url === '/slow')
        hang = () => {
          if (!res.headersSent && !res.destroyed) res.writeHead(204).end();
        };
      else res.writeHead(204).end();
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    t = await startTestServer({
      guardrailIntervalMs: 50,
      webhook: { attempts: 2, backoffMs: 50, timeoutMs: 3000, allowLoopback: true },
    });
    await createTrustedApp(t, 'hooks.app');
  });
  after(async () => {
    hang?.();
    await t?.stop();
    await new Promise((r) => hook.close(r));
  });

  const waitFor = async (cond: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end && !cond()) await new Promise((r) => setTimeout(r, 25));
    return cond();
  };

  it('a guardrail webhook URL on the server network is refused when saved', async () => {
    const strict = await startTestServer({ guardrailIntervalMs: 0 });
    try {
      await createTrustedApp(strict, 'strict.app');
      for (const webhookUrl of ['http://127.0.0.1:1/x', 'https://169.254.169.254/x', 'https://10.0.0.1/x']) {
        const r = await strict.api('PUT', '/v1/apps/strict.app/channels/production/guardrail', { webhookUrl });
        assert.equal(r.status, 400, webhookUrl);
        assert.match(r.json.error.message, /webhookUrl/);
      }
    } finally {
      await strict.stop();
    }
  });

  it('delivers from the queue with its event and delivery id; never follows a redirect', async () => {
    const queue = t.server.webhooks;
    const ok = await queue.enqueue({ appId: 'hooks.app', kind: 'test.ok', url: `${base}/ok`, payload: { a: 1 } });
    const redirected = await queue.enqueue({
      appId: null,
      kind: 'test.redirect',
      url: `${base}/redirect`,
      payload: {},
    });
    assert.ok(await waitFor(() => hits.some((h) => h.path === '/ok'), 3000), 'delivered by the job');
    assert.deepEqual(
      hits.find((h) => h.path === '/ok'),
      { path: '/ok', event: 'test.ok', delivery: ok },
    );
    assert.ok(await waitFor(() => hits.filter((h) => h.path === '/redirect').length === 2, 3000), 'retried once');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(hits.filter((h) => h.path === '/elsewhere').length, 0, 'the redirect was not followed');
    const failed = await t.server.webhooks.get(redirected);
    assert.equal(failed?.status, 'failed');
    assert.match(failed?.lastError ?? '', /302/);
  });

  it('a receiver that hangs holds up nothing: the request that queued it returns at once', async () => {
    const started = Date.now();
    await t.server.webhooks.enqueue({ appId: null, kind: 'test.slow', url: `${base}/slow`, payload: {} });
    assert.ok(Date.now() - started < 500);
    assert.ok(await waitFor(() => hits.some((h) => h.path === '/slow'), 3000));
    const health = await request(`${t.url}/healthz`, 'GET');
    assert.equal(health.status, 200);
    hang?.();
  });

  it('readers see the webhook host only; admins see the whole URL', async () => {
    const set = await t.api('PUT', '/v1/apps/hooks.app/channels/production/guardrail', {
      webhookUrl: `${base}/secret-token-123`,
    });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    const viewer = (await t.api('POST', '/v1/keys', { name: 'v', role: 'viewer' })).json.key;
    const asViewer = await request(`${t.url}/v1/apps/hooks.app/guardrails`, 'GET', undefined, {
      authorization: `Bearer ${viewer}`,
    });
    const g = asViewer.json.guardrails.find((x: { channel: string }) => x.channel === 'production');
    assert.equal(g.webhookUrl, null);
    assert.equal(g.webhookHost, new URL(base).host);
    assert.ok(!JSON.stringify(asViewer.json).includes('secret-token-123'));
    const asOwner = (await t.api('GET', '/v1/apps/hooks.app/guardrails')).json.guardrails.find(
      (x: { channel: string }) => x.channel === 'production',
    );
    assert.equal(asOwner.webhookUrl, `${base}/secret-token-123`);
  });
});

describe('network sources', () => {
  it('an IPv6 source is its /64; IPv4-mapped addresses are their IPv4 address', async () => {
    const { sourceOf } = await import('../src/index.js');
    assert.equal(sourceOf('2001:db8:1:2:aaaa::1'), sourceOf('2001:db8:1:2:ffff:1:2:3'));
    assert.notEqual(sourceOf('2001:db8:1:2::1'), sourceOf('2001:db8:1:3::1'));
    assert.equal(sourceOf('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(sourceOf('192.0.2.7'), '192.0.2.7');
  });
});
