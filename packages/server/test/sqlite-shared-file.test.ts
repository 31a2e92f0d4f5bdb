import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteStore } from '../src/index.js';

// Two processes sharing one SQLite file (two `updraft serve` on one data folder, or a tool
// beside a running server): a transaction that reads and then writes must survive another
// process writing in between. With SQLite's deferred BEGIN it failed at once with
// SQLITE_BUSY_SNAPSHOT (busy_timeout does not apply there); transactions begin IMMEDIATE.

/** Another process writes a lease row into `file` (waiting, as the server does, up to 5 s for the lock). */
function writeFromAnotherProcess(file: string): {
  started: Promise<void>;
  done: Promise<{ code: number | null; stderr: string }>;
} {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.pragma('busy_timeout = 5000');
    process.stdout.write('writing\\n');
    db.prepare("insert into leases (name, holder, expires_at_ms) values ('other', 'B', 1)").run();
    db.close();`;
  const child = spawn(process.execPath, ['-e', script, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  // Resolves when it is about to write (or has ended, so a broken child fails the test, not hangs it).
  const started = new Promise<void>((resolve) => {
    child.stdout.once('data', () => resolve());
    void done.then(() => resolve());
  });
  return { started, done };
}

test('a read-then-write transaction survives another process writing the same file meanwhile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'updraft-shared-sqlite-'));
  const file = join(dir, 'updraft.db');
  const store = await openSqliteStore(file);
  try {
    let other: ReturnType<typeof writeFromAnotherProcess> | undefined;
    await store.transaction(async (tx) => {
      assert.deepEqual(await tx.trust.listApps(), []);
      // The other process writes while this transaction is open, between its read and its
      // write: it is about to write, then it has written (deferred BEGIN) or waits (IMMEDIATE).
      other = writeFromAnotherProcess(file);
      await other.started;
      await Promise.race([other.done, new Promise((r) => setTimeout(r, 1000))]);
      assert.equal(await tx.leases.tryAcquireLease('mine', 'A', 60_000, 1_000), true);
    });
    const result = await other!.done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      await store.leases.tryAcquireLease('other', 'A', 60_000, 0),
      false,
      "the other process's row is there",
    );
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
