/**
 * How the signed metadata grows with releases, against a reference in the same run: two apps
 * on one real `updraft serve` (SQLite), published to alternately with N one-file releases
 * each. The first app publishes with `--keep-releases` as given (default: publish's own
 * default, 20); the reference app with `--reference-keep` (default 1000, the most publish
 * accepts: for N ≤ 1000 it keeps every release, as every listing did before it was bounded).
 * Every `--every` releases it prints, for each app, the releases the newest listing names, its
 * size, the bytes of all stored `releases` versions together and of the other roles, and the
 * reference's figures over the app's; then the database's pages by table. Not a test.
 *
 *   npm run build && node --import tsx bench/metadata-growth.ts --releases 90 --every 30
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';

const arg = (name: string, fallback: string | undefined) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const RELEASES = Number(arg('releases', '60'));
const EVERY = Number(arg('every', '20'));
const KEEP = arg('keep', undefined);
const REFERENCE_KEEP = arg('reference-keep', '1000')!;

interface Variant {
  name: string;
  app: string;
  /** --keep-releases, or undefined for publish's default. */
  keep: string | undefined;
}
const VARIANTS: Variant[] = [
  { name: `keep ${KEEP ?? 'default'}`, app: 'com.example.growth', keep: KEEP },
  { name: `reference: keep ${REFERENCE_KEEP}`, app: 'com.example.growth.reference', keep: REFERENCE_KEEP },
];

interface Figures {
  /** Releases named by the newest releases version. */
  listed: number;
  /** Bytes of the newest releases version: what a device downloads after a publish. */
  newestBytes: number;
  /** Bytes of every stored releases version together. */
  versionsBytes: number;
  /** Bytes of all versions, per role. */
  roles: Record<string, { versions: number; bytes: number }>;
}

function figures(db: Database.Database, app: string): Figures {
  const roles = db
    .prepare('select role, count(*) as versions, sum(length) as bytes from metadata where app_id = ? group by role')
    .all(app) as { role: string; versions: number; bytes: number }[];
  const newest = db
    .prepare(`select bytes from metadata where app_id = ? and role = 'releases' order by version desc limit 1`)
    .get(app) as { bytes: Buffer };
  const signed = JSON.parse(Buffer.from(newest.bytes).toString('utf8')) as { signed: { targets: object } };
  return {
    listed: Object.keys(signed.signed.targets).length,
    newestBytes: newest.bytes.length,
    versionsBytes: roles.find((r) => r.role === 'releases')!.bytes,
    roles: Object.fromEntries(roles.map((r) => [r.role, { versions: r.versions, bytes: r.bytes }])),
  };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ratio = (reference: number, measured: number) => Math.round((reference / measured) * 100) / 100;

const work = await tempDir('metadata-growth');
const dataDir = join(work.path, 'server');
const server = await startServerProcess(dataDir, { env: { UPDRAFT_LOG_LEVEL: 'warn' } });
try {
  const adminEnv = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  const keysOf = (v: Variant) => join(work.path, `keys-${v.app}`);
  for (const v of VARIANTS) {
    const created = await runCli(['apps', 'create', v.app, '--keys', keysOf(v), '--json'], adminEnv);
    if (created.code !== 0) throw new Error(created.stderr);
  }
  const rows: Record<string, unknown>[] = [];
  for (let n = 1; n <= RELEASES; n++) {
    for (const v of VARIANTS) {
      const dir = join(work.path, `bundle-${v.app}-${n}`);
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, 'index.ios.bundle'),
        `console.log(${JSON.stringify(randomBytes(2000).toString('hex'))})`,
      );
      const extra = ['--delta-bases', '0', ...(v.keep === undefined ? [] : ['--keep-releases', v.keep])];
      const res = await runCli(publishArgs({ dir, app: v.app, keys: keysOf(v), extra }), adminEnv);
      if (res.code !== 0) throw new Error(res.stderr);
    }
    if (n % EVERY !== 0 && n !== RELEASES) continue;
    // Read-only beside the running server (WAL lets it read while the server writes).
    const db = new Database(join(dataDir, 'updraft.db'), { readonly: true });
    try {
      const [measured, reference] = VARIANTS.map((v) => figures(db, v.app)) as [Figures, Figures];
      const tables = db
        .prepare('select name, sum(pgsize) as bytes from dbstat group by name order by bytes desc limit 5')
        .all() as { name: string; bytes: number }[];
      const row = {
        releases: n,
        [VARIANTS[0]!.name]: measured,
        [VARIANTS[1]!.name]: reference,
        referenceOverMeasured: {
          newestBytes: ratio(reference.newestBytes, measured.newestBytes),
          versionsBytes: ratio(reference.versionsBytes, measured.versionsBytes),
        },
        tables,
      };
      rows.push(row);
      process.stderr.write(
        `${n} releases: ${VARIANTS.map((v, i) => {
          const f = i === 0 ? measured : reference;
          return `${v.name}: ${f.listed} listed, newest ${kib(f.newestBytes)}, versions ${kib(f.versionsBytes)}`;
        }).join(
          '; ',
        )}; reference / kept: newest ${row.referenceOverMeasured.newestBytes}×, versions ${row.referenceOverMeasured.versionsBytes}×\n`,
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
