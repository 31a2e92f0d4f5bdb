import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServerProcess, tempDir, type ServerProcess } from '@updraft/test-kit/cli';
import { publishOnce, seedApp, served, startLoad, unexpected } from '@updraft/test-kit/outage-load';
import { skipOrFail, startPostgres, type PostgresCluster } from '@updraft/test-kit/services';

// The database goes away under load and comes back: `pg_ctl restart -m immediate` twice, then
// a 20-second stop. The server process never exits; while the database is away requests
// that need it answer 503 with Retry-After, device checks (timestamp.json and the root walk's
// next root, through the cached check path and the full route) keep their cached answer, and
// full service is back within 2 s of the database's return, without a restart.

const APP = 'com.example.outage';
let pg: PostgresCluster | string = 'not started';
let server: ServerProcess | undefined;
let work: { path: string; cleanup(): Promise<void> } | undefined;

after(async () => {
  await server?.stop();
  if (typeof pg !== 'string') await pg.stop();
  await work?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('PostgreSQL restarts and a 20 s outage: no exit, 503 while away, full service 2 s after', async (t) => {
  pg = await startPostgres();
  if (typeof pg === 'string') return skipOrFail(t, 'PostgreSQL outage', pg);
  work = await tempDir('outage-pg');
  const databaseUrl = await pg.createDatabase();
  server = await startServerProcess(join(work.path, 'server'), { args: ['--database', databaseUrl] });
  let exited: number | null = null;
  server.child.on('exit', (code) => (exited = code ?? -1));
  const keys = join(work.path, 'keys');
  await seedApp(server, APP, keys, work.path);
  const ready = await fetch(`${server.url}/readyz`);
  assert.equal(ready.status, 200, await ready.text());

  const load = startLoad(server, APP, keys, work.path);
  try {
    await sleep(2000);
    for (let i = 0; i < 2; i++) {
      await pg.restartImmediate();
      await sleep(3000);
    }
    await pg.halt();
    const down = Date.now();
    await sleep(1500);
    const unready = await fetch(`${server.url}/readyz`);
    assert.equal(unready.status, 503, 'readyz says the database is away');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'healthz: the process is alive');
    await sleep(20_000 - (Date.now() - down));
    await pg.resume();
    const back = Date.now();
    await sleep(6000);
    await load.stop();

    assert.equal(exited, null, 'the server process is still running');
    const bad = unexpected(load.outcomes);
    assert.deepEqual(bad, [], 'only successes and 503s with Retry-After');
    const during = load.outcomes.filter((o) => o.at > down + 1000 && o.at < back);
    const unavailable = during.filter((o) => o.kind === 'admin' && o.status === 503);
    assert.ok(unavailable.length > 10, `admin requests during the outage answered 503 (${unavailable.length})`);
    // timestamp.json and the next root (404), on reused connections and on connections of their own.
    for (const kind of ['check', 'root'] as const) {
      const answered = during.filter((o) => o.kind === kind);
      assert.ok(
        answered.length > 10 && answered.every(served),
        `device checks (${kind}) were answered from the cache throughout: ${answered.length} while away, otherwise: ${JSON.stringify(answered.filter((o) => !served(o)).slice(0, 5))}`,
      );
    }
    const after2s = load.outcomes.filter((o) => o.at > back + 2000 && o.kind !== 'publish');
    assert.ok(after2s.length > 20);
    assert.deepEqual(
      after2s.filter((o) => !served(o)),
      [],
      'full service within 2 s of the database returning',
    );
    const publishedAfter = load.outcomes.filter((o) => o.kind === 'publish' && o.at > back + 2000);
    assert.ok(
      publishedAfter.every((o) => o.status === 201),
      `publishes succeed again: ${JSON.stringify(publishedAfter)}`,
    );
    await publishOnce(server, APP, keys, work.path, 'after');
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
  } finally {
    await load.stop();
  }
});
