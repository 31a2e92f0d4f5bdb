/**
 * How the database grows with releases: publishes N one-file releases of one app on a real
 * `updraft serve` (SQLite) and prints, every `--every` releases, the bytes stored per metadata
 * role (all versions) and the size of the newest version of each, plus the database's pages
 * by table. Not a test.
 *
 *   npm run build && node --import tsx bench/metadata-growth.ts --releases 60 --every 20
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const RELEASES = Number(arg('releases', '60'));
const EVERY = Number(arg('every', '20'));
const APP = 'com.example.growth';

const work = await tempDir('metadata-growth');
const dataDir = join(work.path, 'server');
const server = await startServerProcess(dataDir, { env: { UPDRAFT_LOG_LEVEL: 'warn' } });
try {
  const adminEnv = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  const keys = join(work.path, 'keys');
  const created = await runCli(['apps', 'create', APP, '--keys', keys, '--json'], adminEnv);
  if (created.code !== 0) throw new Error(created.stderr);
  const rows: Record<string, unknown>[] = [];
  for (let n = 1; n <= RELEASES; n++) {
    const dir = join(work.path, `bundle-${n}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'index.ios.bundle'), `console.log(${JSON.stringify(randomBytes(2000).toString('hex'))})`);
    const res = await runCli(publishArgs({ dir, app: APP, keys, extra: ['--delta-bases', '0'] }), adminEnv);
    if (res.code !== 0) throw new Error(res.stderr);
    if (n % EVERY !== 0 && n !== RELEASES) continue;
    // Read-only beside the running server (WAL lets it read while the server writes).
    const db = new Database(join(dataDir, 'updraft.db'), { readonly: true });
    try {
      const roles = db
        .prepare(
          `select role, count(*) as versions, sum(length) as bytes,
                  (select length from metadata m2 where m2.app_id = m.app_id and m2.role = m.role
                   order by version desc limit 1) as newest
             from metadata m where app_id = ? group by role order by bytes desc`,
        )
        .all(APP) as { role: string; versions: number; bytes: number; newest: number }[];
      const tables = db
        .prepare('select name, sum(pgsize) as bytes from dbstat group by name order by bytes desc limit 5')
        .all() as { name: string; bytes: number }[];
      const row = { releases: n, roles, tables };
      rows.push(row);
      process.stderr.write(
        `${n} releases: ${roles.map((r) => `${r.role} ${r.versions} versions ${(r.bytes / 1024).toFixed(0)} KiB (newest ${(r.newest / 1024).toFixed(1)} KiB)`).join(', ')}\n`,
      );
    } finally {
      db.close();
    }
  }
  console.log(JSON.stringify(rows, null, 2));
} finally {
  await server.stop();
  await work.cleanup();
}
