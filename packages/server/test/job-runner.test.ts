import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { skipOrFail, startPostgres, type PostgresCluster } from '@updraft/test-kit/services';
import { JobRunner, openPostgresStore, openSqliteStore, type Database } from '../src/index.js';

// Scheduled jobs on several stateless instances: each job runs once per interval in total,
// through a lease in the shared database, and moves to another instance when its holder dies.

let cluster: PostgresCluster | string = 'not started';
before(async () => {
  cluster = await startPostgres();
});
after(async () => {
  if (typeof cluster !== 'string') await cluster.stop();
});

const backends: {
  name: string;
  open(): Promise<{ a: Database; b: Database; close(): Promise<void> } | string>;
}[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'updraft-jobs-'));
      const a = await openSqliteStore(join(dir, 'u.db'));
      const b = await openSqliteStore(join(dir, 'u.db'));
      return {
        a,
        b,
        close: async () => (await a.close(), await b.close(), await rm(dir, { recursive: true, force: true })),
      };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      if (typeof cluster === 'string') return cluster;
      const url = await cluster.createDatabase();
      const a = await openPostgresStore(url);
      const b = await openPostgresStore(url);
      return { a, b, close: async () => (await a.close(), await b.close()) };
    },
  },
];

for (const backend of backends) {
  test(`${backend.name}: two instances run a job once per interval, and the survivor takes over`, async (t) => {
    const stores = await backend.open();
    if (typeof stores === 'string') return skipOrFail(t, `${backend.name} job runner`, stores);
    try {
      let now = 1_800_000_000_000;
      const runs: { at: number; by: string }[] = [];
      const runner = (holder: string, store: Database) =>
        new JobRunner({
          store,
          holder,
          now: () => now,
          jobs: [{ name: 'tick', intervalMs: 1000, runOnce: async (at) => void runs.push({ at, by: holder }) }],
        });
      const a = runner('A', stores.a);
      const b = runner('B', stores.b);
      const start = now;
      for (let step = 0; step < 20; step++) {
        await Promise.all([a.tick(), b.tick()]);
        now += 250;
      }
      assert.equal(runs.length, 5, JSON.stringify(runs));
      for (let i = 1; i < runs.length; i++)
        assert.ok(runs[i]!.at - runs[i - 1]!.at >= 1000, 'never twice in one interval');
      const first = runs[0]!.by;
      assert.ok(
        runs.every((r) => r.by === first),
        'the holder keeps the job while it lives',
      );

      // The holder dies (stops ticking, keeps its lease): the other takes over within an interval.
      const survivor = first === 'A' ? b : a;
      const died = now;
      for (let step = 0; step < 12; step++) {
        await survivor.tick();
        now += 250;
      }
      const after = runs.filter((r) => r.at >= died);
      assert.ok(after.length >= 2, JSON.stringify(runs));
      assert.ok(after.every((r) => r.by !== first));
      assert.ok(after[0]!.at - died <= 1000, 'taken over within one interval');
      assert.ok(start > 0);
    } finally {
      await stores.close();
    }
  });
}

test('a job that throws is reported and the runner keeps going', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'updraft-jobs-'));
  const store = await openSqliteStore(join(dir, 'u.db'));
  try {
    let now = 1_000;
    const errors: string[] = [];
    let calls = 0;
    const r = new JobRunner({
      store,
      now: () => now,
      onError: (job, err) => errors.push(`${job}: ${(err as Error).message}`),
      jobs: [
        {
          name: 'flaky',
          intervalMs: 100,
          runOnce: async () => {
            calls++;
            if (calls === 1) throw new Error('boom');
          },
        },
      ],
    });
    assert.deepEqual(await r.tick(), []);
    now += 100;
    assert.deepEqual(await r.tick(), ['flaky']);
    assert.deepEqual(errors, ['flaky: boom']);
    await r.stop();
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
