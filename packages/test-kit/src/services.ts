import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

/**
 * Real backing services for the storage suites: a throwaway PostgreSQL cluster (initdb +
 * pg_ctl from the machine's packages) and an S3-compatible server (OpenStack Swift's S3 API,
 * started by the shared scripts in ../shared/services/s3). When one cannot run here the
 * suites print a SKIP line; with CI=true a missing service fails the run instead.
 */

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Says loudly that a suite did not run; under CI that is a failure, not a skip. */
export function skipOrFail(t: { skip(message?: string): void }, what: string, reason: string): void {
  const line = `SKIP: ${what}: ${reason}`;
  if (process.env['CI'] === 'true') throw new Error(`${line} (CI=true: every storage backend must be tested)`);
  console.log(line);
  t.skip(line);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Whether `port` can be listened on at 127.0.0.1 right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The ports Linux gives outgoing connections as their source port, or null where unknown. */
export function ephemeralPortRange(): [number, number] | null {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && Number.isInteger(high) ? [low!, high!] : null;
  } catch {
    return null;
  }
}

/**
 * A free port for a service that a test stops and starts again on it (a PostgreSQL halt, a
 * TCP proxy's cut): one outside the range the kernel takes outgoing connections' source
 * ports from. A port from listen(0) is in that range, and while the service is down the
 * kernel may give it to any new connection on the machine as its source port; the restart
 * then fails with EADDRINUSE: a rare failure, by chance, under load. Elsewhere than on
 * Linux, or when no such port is free, a port from freePort.
 */
export async function stablePort(): Promise<number> {
  const range = ephemeralPortRange();
  if (!range) return freePort();
  const [low, high] = range;
  // Below the range when there is room for it (32768-60999 by default), else above it.
  const [from, to] = low - 10_000 >= 1024 ? [low - 10_000, low - 1] : [high + 1, 65_535];
  for (let i = 0; i < 100 && from <= to; i++) {
    const port = from + Math.floor(Math.random() * (to - from + 1));
    if (await canListen(port)) return port;
  }
  return freePort();
}

// --- PostgreSQL -----------------------------------------------------------------------------

function postgresBinDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : null;
}

export interface PostgresCluster {
  /** postgres://updraft@127.0.0.1:<port>/postgres */
  adminUrl: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** `pg_ctl stop -m immediate`: every connection dies at once, as in a crash (for outage tests). */
  halt(): Promise<void>;
  /** Starts the cluster again on the same port after halt(). */
  resume(): Promise<void>;
  /** `pg_ctl restart -m immediate`. */
  restartImmediate(): Promise<void>;
  stop(): Promise<void>;
}

let dbCounter = 0;

/** Starts a throwaway cluster on a free port in a temp dir, or returns why it cannot. */
export async function startPostgres(): Promise<PostgresCluster | string> {
  const bin = process.env['UPDRAFT_TEST_PG_BIN'] ?? postgresBinDir();
  if (!bin) return 'PostgreSQL is not installed (apt-get install postgresql)';
  const dir = await mkdtemp(join(tmpdir(), 'updraft-pg-'));
  const dataDir = join(dir, 'data');
  // initdb refuses to run as root: run the server as the postgres user the package created.
  const asRoot = process.getuid?.() === 0;
  const prefix: string[] = [];
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) return 'running as root and there is no postgres user to run PostgreSQL as';
    await chown(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
    prefix.push('runuser', '-u', 'postgres', '--');
  }
  const exec = (file: string, args: string[]) =>
    prefix.length > 0 ? run(prefix[0]!, [...prefix.slice(1), join(bin, file), ...args]) : run(join(bin, file), args);
  // Halted and started again on the same port by outage tests.
  const port = await stablePort();
  const ctl = (action: 'start' | 'restart') =>
    exec('pg_ctl', [
      '-D',
      dataDir,
      '-l',
      join(dir, 'postgres.log'),
      '-w',
      '-t',
      '30',
      ...(action === 'restart' ? ['-m', 'immediate'] : []),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
      action,
    ]);
  try {
    await exec('initdb', ['-D', dataDir, '-U', 'updraft', '--auth=trust', '--no-sync', '-E', 'UTF8', '--no-locale']);
    await ctl('start');
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    return `could not start PostgreSQL from ${bin}: ${(err as Error).message.split('\n')[0]}`;
  }
  const adminUrl = `postgres://updraft@127.0.0.1:${port}/postgres`;
  const pg = (await import('pg')).default;
  return {
    adminUrl,
    async createDatabase() {
      const name = `t${process.pid}_${++dbCounter}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://updraft@127.0.0.1:${port}/${name}`;
    },
    async halt() {
      await exec('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    },
    async resume() {
      await ctl('start');
    },
    async restartImmediate() {
      await ctl('restart');
    },
    async stop() {
      await exec('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// --- S3 (Swift) -----------------------------------------------------------------------------

export interface S3Service {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** AWS_* variables for a child process. */
  env: Record<string, string>;
  /** Creates an empty bucket and returns its name. */
  createBucket(): Promise<string>;
  stop(): Promise<void>;
}

const SWIFT_SCRIPTS = join(REPO_ROOT, '..', 'shared', 'services', 's3');

/** What to do when no S3 server is at hand: said with every reason the S3 suites skip. */
const S3_HOW_TO =
  'to run the S3 suites, start any S3-compatible server and point the tests at it, e.g. ' +
  '`docker run -d -p 9000:9000 minio/minio server /data` then ' +
  '`UPDRAFT_TEST_S3_ENDPOINT=http://127.0.0.1:9000 UPDRAFT_TEST_S3_ACCESS_KEY_ID=minioadmin ' +
  'UPDRAFT_TEST_S3_SECRET_ACCESS_KEY=minioadmin node scripts/run-tests.mjs s3` ' +
  '(path-style addressing; UPDRAFT_TEST_S3_REGION defaults to us-east-1)';

/** Any HTTP answer counts: S3 servers differ in what they say to an anonymous GET /. */
async function answers(endpoint: string): Promise<string | null> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(3000) });
    return null;
  } catch (err) {
    return ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
  }
}
const SWIFT_PORT = 18080;

let bucketCounter = 0;

async function healthy(endpoint: string): Promise<boolean> {
  try {
    return (await fetch(`${endpoint}/healthcheck`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

/**
 * Uses UPDRAFT_TEST_S3_ENDPOINT when set (CI starts one server for the whole run), else a
 * Swift already listening on 127.0.0.1:18080, else starts one with the shared scripts.
 */
export async function startS3(): Promise<S3Service | string> {
  let endpoint = process.env['UPDRAFT_TEST_S3_ENDPOINT'];
  let stop = async () => {};
  if (endpoint) {
    const down = await answers(endpoint);
    if (down)
      return `UPDRAFT_TEST_S3_ENDPOINT=${endpoint} does not answer (${down}): start it or unset it; ${S3_HOW_TO}`;
  } else {
    endpoint = `http://127.0.0.1:${SWIFT_PORT}`;
    if (!(await healthy(endpoint))) {
      if (!existsSync(join(SWIFT_SCRIPTS, 'start.sh'))) {
        return `no S3 server: UPDRAFT_TEST_S3_ENDPOINT is not set and nothing answers on 127.0.0.1:${SWIFT_PORT}; ${S3_HOW_TO}`;
      }
      const which = spawnSync('sh', ['-c', 'command -v swift-proxy-server && command -v memcached'], {
        encoding: 'utf8',
      });
      if (which.status !== 0) {
        return `no S3 server: UPDRAFT_TEST_S3_ENDPOINT is not set and OpenStack Swift is not installed (apt-get install swift swift-proxy swift-account swift-container swift-object memcached python3-swift, then the tests start it); ${S3_HOW_TO}`;
      }
      const root = await mkdtemp(join(tmpdir(), 'updraft-s3-'));
      const env = { ...process.env, ROOT: root, S3_PORT: String(SWIFT_PORT) };
      try {
        await run('bash', [join(SWIFT_SCRIPTS, 'setup.sh')], { env });
        await run('bash', [join(SWIFT_SCRIPTS, 'start.sh')], { env });
      } catch (err) {
        await run('bash', [join(SWIFT_SCRIPTS, 'stop.sh')], { env }).catch(() => undefined);
        await rm(root, { recursive: true, force: true });
        return `could not start Swift: ${(err as Error).message.split('\n')[0]}; ${S3_HOW_TO}`;
      }
      stop = async () => {
        await run('bash', [join(SWIFT_SCRIPTS, 'stop.sh')], { env }).catch(() => undefined);
        await rm(root, { recursive: true, force: true });
      };
    }
  }
  const region = process.env['UPDRAFT_TEST_S3_REGION'] ?? 'us-east-1';
  const accessKeyId = process.env['UPDRAFT_TEST_S3_ACCESS_KEY_ID'] ?? 'ota:admin';
  const secretAccessKey = process.env['UPDRAFT_TEST_S3_SECRET_ACCESS_KEY'] ?? 'ota-secret';
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    env: {
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_REGION: region,
      AWS_ENDPOINT_URL: endpoint,
    },
    async createBucket() {
      const name = `updraft-test-${process.pid}-${Date.now().toString(36)}-${++bucketCounter}`;
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async stop() {
      client.destroy();
      await stop();
    },
  };
}
