import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, startServerProcess, tempDir, type ServerProcess } from '@updraft/test-kit/cli';

// `updraft serve` logs to stdout by default: the startup configuration (secrets left out),
// one line per request; --log-format pretty for a terminal; a wrong --log-level is a usage error.

const TOKEN = 'metrics-token-that-must-not-be-logged';
const servers: ServerProcess[] = [];
let work: { path: string; cleanup(): Promise<void> } | undefined;

after(async () => {
  for (const s of servers) await s.stop();
  await work?.cleanup();
});

const waitFor = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(ok(), what);
};

test('serve writes JSON logs to stdout: startup config without secrets, one line per request', async () => {
  work = await tempDir('serve-logs');
  const server = await startServerProcess(join(work.path, 'json'), {
    env: { UPDRAFT_LOG_LEVEL: 'info', UPDRAFT_METRICS_TOKEN: TOKEN },
  });
  servers.push(server);
  const res = await fetch(`${server.url}/v1/apps`, { headers: { authorization: `Bearer ${server.adminKey}` } });
  assert.equal(res.status, 200);
  const requestId = res.headers.get('x-request-id');
  await waitFor('the request line is written', () => server.stdout().includes(requestId!));
  const entries = server
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{"level"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const starting = entries.find((e) => e['msg'] === 'starting');
  assert.equal((starting?.['config'] as { metrics?: string }).metrics, 'on (token set)');
  assert.equal((starting?.['config'] as { dataDir?: string }).dataDir, join(work.path, 'json'));
  const line = entries.find((e) => e['reqId'] === requestId);
  assert.deepEqual(
    { msg: line?.['msg'], method: line?.['method'], route: line?.['route'], status: line?.['status'] },
    { msg: 'request', method: 'GET', route: '/v1/apps', status: 200 },
  );
  // (The serve --json line itself shows the owner key once, on the first start: that is its job.)
  const logText = entries.map((e) => JSON.stringify(e)).join('\n');
  assert.ok(!logText.includes(TOKEN) && !logText.includes(server.adminKey), 'no secret in any log line');
  const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.match(await metrics.text(), /updraft_http_requests_total\{method="GET",route="\/v1\/apps",status="200"\} 1/);
});

test('--log-format pretty writes readable lines; a wrong --log-level is refused', async () => {
  const server = await startServerProcess(join(work!.path, 'pretty'), {
    args: ['--log-format', 'pretty'],
    env: { UPDRAFT_LOG_LEVEL: 'info' },
  });
  servers.push(server);
  await fetch(`${server.url}/healthz`);
  await waitFor('a pretty request line', () => / INFO {2}request {2}.*route=\/healthz/.test(server.stdout()));
  const bad = await runCli(['serve', '--data', join(work!.path, 'bad'), '--log-level', 'loud']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--log-level must be one of fatal, error, warn, info, debug, trace, silent/);
});
