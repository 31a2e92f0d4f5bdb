import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deviceSyncArgs, runCli } from '@updraft/test-kit/cli';
import { startHostileProxy } from '@updraft/test-kit/hostile-proxy';
import {
  A,
  assertRuns,
  attackCase,
  client,
  copyDevice,
  isPath,
  onPath,
  proxy,
  rel,
  server,
  shippedRoot,
  templateA,
  useHostileNetwork,
  v2File,
  work,
} from '@updraft/test-kit/hostile-network';

// Hostile network, transport (docs/security.md, "Threats and defences"): a proxy sends
// endless data, stalls, redirects elsewhere or downgrades to http. Every case ends with the
// device running its last good bundle, and the reason code it reported.

useHostileNetwork();

// Endless data.
test('bundle longer than its signed length → length', () =>
  attackCase({
    attack: async () => onPath(v2File(), (up) => ({ ...up, body: Buffer.concat([up.body, Buffer.alloc(64)]) })),
    expect: 'length',
  }));
test('snapshot longer than its signed length → length', () =>
  attackCase({
    attack: async () =>
      onPath(isPath('.snapshot.json'), (up) => ({ ...up, body: Buffer.concat([up.body, Buffer.alloc(16, 32)]) })),
    expect: 'length',
  }));
test('endless timestamp → length', () =>
  attackCase({
    attack: async () => async (p, fwd) => (isPath('/timestamp.json')(p) ? { endless: Buffer.alloc(8192, 32) } : fwd()),
    expect: 'length',
  }));
test('endless root → length', () =>
  attackCase({
    attack: async () => async (p, fwd) => (isPath('/3.root.json')(p) ? { endless: Buffer.alloc(8192, 32) } : fwd()),
    expect: 'length',
  }));

// Slow retrieval.
test('stalled timestamp → timeout', () =>
  attackCase({
    timeoutMs: 300,
    attack: async () => async (p, fwd) => (isPath('/timestamp.json')(p) ? { stall: true } : fwd()),
    expect: 'timeout',
  }));
test('bundle that stalls half-way → timeout', () =>
  attackCase({
    timeoutMs: 300,
    attack: async () => async (p, fwd) => (v2File()(p) ? { stall: true, partial: Buffer.from('cons') } : fwd()),
    expect: 'timeout',
  }));

// HTTP downgrade and redirects.
test('redirect to another host → insecure-url', () =>
  attackCase({
    attack: async () => async (p, fwd) =>
      isPath('/timestamp.json')(p)
        ? { status: 302, headers: { location: `http://127.0.0.2:${new URL(server.url).port}${p}` } }
        : fwd(),
    expect: 'insecure-url',
  }));
test('redirect to another port of the same host → insecure-url', () =>
  attackCase({
    attack: async () => async (p, fwd) =>
      isPath('/timestamp.json')(p) ? { status: 302, headers: { location: `${server.url}${p}` } } : fwd(),
    expect: 'insecure-url',
  }));
test('http without the development opt-in → insecure-url, no request sent', async () => {
  const device = client(await copyDevice(templateA), A, { insecure: false });
  proxy.requests = [];
  const r = await device.sync();
  assert.equal(r.reason, 'insecure-url');
  assert.deepEqual(proxy.requests, [], 'nothing reached the network');
  await assertRuns(device, 'v1');
});

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test(
  'https redirected to http → insecure-url (device process trusting a test CA)',
  { skip: !hasOpenssl && 'needs openssl' },
  async () => {
    const certDir = join(work.path, 'tls');
    await mkdir(certDir, { recursive: true });
    const [key, cert] = [join(certDir, 'key.pem'), join(certDir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const tls = await startHostileProxy(server.url, {
      key: await readFile(key, 'utf8'),
      cert: await readFile(cert, 'utf8'),
    });
    try {
      const dir = join(work.path, 'https-device');
      const rootPath = join(work.path, 'shipped-root-A.json');
      await writeFile(rootPath, shippedRoot[A]!);
      const sync = () =>
        runCli(deviceSyncArgs({ server: tls.url, app: A, root: rootPath, dir, insecure: false }), {
          NODE_EXTRA_CA_CERTS: cert,
        });
      const honest = await sync();
      assert.equal(honest.json?.['status'], 'updated', honest.stdout + honest.stderr);
      await runCli(['device', 'launch', '--dir', dir]);
      await runCli(['device', 'ready', '--dir', dir]);
      tls.attack = async (p, fwd) =>
        isPath('/timestamp.json')(p) ? { status: 302, headers: { location: `${proxy.url}${p}` } } : fwd();
      const attacked = await sync();
      assert.equal(attacked.json?.['reason'], 'insecure-url', attacked.stdout);
      const launch = await runCli(['device', 'launch', '--dir', dir, '--json']);
      assert.equal(launch.json?.['releaseId'], rel['v2']!.releaseId, 'still the last good bundle');
    } finally {
      await tls.close();
    }
  },
);
