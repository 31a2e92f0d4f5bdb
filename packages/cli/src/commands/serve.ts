import { isIP } from 'node:net';
import type { Command } from 'commander';
import type { StartServerOptions } from '@updraft/server';
import { CliError, colour } from '../output.js';
import { run, type GlobalOptions } from '../run.js';
import { addStorageOptions, storageFromOptions, type StorageOptions } from '../storage-options.js';
import { loadServer, SERVER_LOG_LEVELS, type ServerPackage } from '../server-package.js';

interface ServeOptions extends GlobalOptions, StorageOptions {
  host: string;
  port: string;
  publicBlobUrl?: string;
  jobs: boolean;
  resignInterval?: string;
  guardrailInterval?: string;
  logLevel?: string;
  logFormat?: string;
  metricsToken?: string;
  trustProxy?: string;
  keepEvents?: string;
  keepRollups?: string;
  sourceBudget?: string;
  sourceRate?: string;
  devLoopbackWebhooks?: boolean;
  downloadSlotsPerSource?: string;
  downloadQueuePerSource?: string;
  downloadSlots?: string;
  downloadRatePerSource?: string;
  sqliteCache?: string;
}

export function registerServe(program: Command): void {
  const serve = program
    .command('serve')
    .description('run the update server (embedded SQLite + a blob folder under --data, or PostgreSQL + S3)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '8787');
  addStorageOptions(serve)
    .option(
      '--public-blob-url <url>',
      'public base URL of the blob bucket behind your CDN: file downloads redirect there (default: $UPDRAFT_PUBLIC_BLOB_URL)',
    )
    .option(
      '--no-jobs',
      'run no periodic jobs in this instance (re-signing, scheduled starts, guardrails, webhooks, retention, audit anchoring)',
    )
    .option(
      '--resign-interval <duration>',
      'how often to re-sign metadata near expiry, e.g. 5m (default 10m; 0 = never)',
    )
    .option('--guardrail-interval <ms>', 'how often crash guardrails are evaluated (default 30000)')
    .option('--log-level <level>', `log level: ${SERVER_LOG_LEVELS} (default: $UPDRAFT_LOG_LEVEL, else info)`)
    .option(
      '--log-format <format>',
      'json (one object per line, default) or pretty (for a terminal); $UPDRAFT_LOG_FORMAT',
    )
    .option(
      '--metrics-token <token>',
      'serve GET /metrics (Prometheus) to this bearer token; off without one (default: $UPDRAFT_METRICS_TOKEN)',
    )
    .option(
      '--trust-proxy <addresses>',
      'comma-separated addresses or CIDR ranges of the TLS-terminating proxy whose X-Forwarded-Proto/-For to believe (Secure __Host- session cookie and HSTS on https)',
    )
    .option('--keep-events <duration>', 'how long raw device events are kept, e.g. 7d (default 7d)')
    .option('--keep-rollups <duration>', 'how long per-minute event rollups are kept, e.g. 90d (default 90d)')
    .option(
      '--source-budget <n>',
      'events of one kind counted per network source, app and hour (default 100; the rest are dropped)',
    )
    .option('--source-rate <n>', 'events a minute one network source may send (default 6000; 429 beyond)')
    .option(
      '--download-slots-per-source <n>',
      'file downloads one network source may stream at once (default 8; 0 = no bound, e.g. behind a CDN that pulls from this server); more wait, then 429 + Retry-After',
    )
    .option('--download-queue-per-source <n>', 'downloads of one network source waiting for a slot (default 24)')
    .option(
      '--download-slots <n>',
      'file downloads streaming at once from this server in all (default 128; more wait, then 503 + Retry-After)',
    )
    .option(
      '--download-rate-per-source <MiB/s>',
      'MiB per second one network source may pull over all its file downloads together (default 32; 0 = no bound, e.g. behind a CDN not named in --trust-proxy)',
    )
    .option(
      '--sqlite-cache <MiB>',
      'page cache of the embedded SQLite database in MiB (default 2; more keeps more of a big database in the process, fewer reads from the OS file cache)',
    )
    .option(
      '--dev-loopback-webhooks',
      'DEVELOPMENT ONLY: let webhooks use plain http to a loopback address (127.0.0.1, ::1, localhost)',
    )
    .action(
      run<[], ServeOptions>(async (opts) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new CliError('usage', `--port must be a number from 0 to 65535, not "${opts.port}"`, { exitCode: 2 });
        }
        (await import('../malloc-settings.js')).runWithMallocSettings();
        const pkg = await loadServer('serve');
        const { parseDuration } = await import('@updraft/signing');
        const level = opts.logLevel ?? process.env['UPDRAFT_LOG_LEVEL'] ?? 'info';
        if (!pkg.isLogLevel(level)) {
          throw new CliError('usage', `--log-level must be one of ${pkg.LOG_LEVELS.join(', ')}, not "${level}"`, {
            exitCode: 2,
          });
        }
        const format = opts.logFormat ?? process.env['UPDRAFT_LOG_FORMAT'] ?? 'json';
        if (format !== 'json' && format !== 'pretty') {
          throw new CliError('usage', `--log-format must be json or pretty, not "${format}"`, { exitCode: 2 });
        }
        const storage = storageFromOptions(pkg, opts);
        const dataDir = storage.dataDir;
        const serverOpts: StartServerOptions = {
          host: opts.host,
          port,
          ...storage,
          jobs: opts.jobs,
          logger: pkg.createLogger({ level, format }),
        };
        const metricsToken = opts.metricsToken ?? process.env['UPDRAFT_METRICS_TOKEN'];
        if (metricsToken) serverOpts.metricsToken = metricsToken;
        const publicBlobUrl = opts.publicBlobUrl ?? process.env['UPDRAFT_PUBLIC_BLOB_URL'];
        if (publicBlobUrl) serverOpts.publicBlobUrl = publicBlobUrl;
        const resignMs = Number(process.env['UPDRAFT_RESIGN_INTERVAL_MS']);
        if (Number.isInteger(resignMs) && resignMs > 0) serverOpts.resignIntervalMs = resignMs;
        if (opts.resignInterval !== undefined) {
          const seconds = parseDuration(opts.resignInterval);
          if (seconds === null) {
            throw new CliError(
              'usage',
              `--resign-interval must be a duration like 30s, 5m or 1h, or 0, not "${opts.resignInterval}"`,
              {
                exitCode: 2,
              },
            );
          }
          if (seconds === 0) serverOpts.jobs = false;
          else serverOpts.resignIntervalMs = seconds * 1000;
        }
        if (opts.guardrailInterval !== undefined) {
          const ms = Number(opts.guardrailInterval);
          if (!(Number.isInteger(ms) && ms >= 0)) {
            throw new CliError(
              'usage',
              `--guardrail-interval must be milliseconds (0 = never), not "${opts.guardrailInterval}"`,
              { exitCode: 2 },
            );
          }
          serverOpts.guardrailIntervalMs = ms;
        }
        if (opts.trustProxy !== undefined) serverOpts.trustProxy = parseTrustProxy(opts.trustProxy);
        const days = (flag: string, value: string | undefined): number | undefined => {
          if (value === undefined) return undefined;
          const seconds = parseDuration(value);
          if (seconds === null || seconds <= 0) {
            throw new CliError('usage', `${flag} must be a duration like 7d or 12h, not "${value}"`, { exitCode: 2 });
          }
          return seconds / 86_400;
        };
        const eventsDays = days('--keep-events', opts.keepEvents);
        const rollupsDays = days('--keep-rollups', opts.keepRollups);
        if (eventsDays !== undefined || rollupsDays !== undefined) {
          serverOpts.retention = {
            ...(eventsDays !== undefined ? { eventsDays } : {}),
            ...(rollupsDays !== undefined ? { rollupsDays } : {}),
          };
        }
        const whole = (flag: string, value: string | undefined): number | undefined => {
          if (value === undefined) return undefined;
          const n = Number(value);
          if (!Number.isSafeInteger(n) || n < 1) {
            throw new CliError('usage', `${flag} must be a whole number ≥ 1, not "${value}"`, { exitCode: 2 });
          }
          return n;
        };
        const sourceBudget = whole('--source-budget', opts.sourceBudget);
        if (sourceBudget !== undefined) serverOpts.sourceBudget = sourceBudget;
        const sourceRate = whole('--source-rate', opts.sourceRate);
        if (sourceRate !== undefined) serverOpts.sourceEventsPerMinute = sourceRate;
        const count = (flag: string, value: string | undefined, min: number): number | undefined => {
          if (value === undefined) return undefined;
          const n = Number(value);
          if (!Number.isSafeInteger(n) || n < min) {
            throw new CliError('usage', `${flag} must be a whole number ≥ ${min}, not "${value}"`, { exitCode: 2 });
          }
          return n;
        };
        const downloadLimits: NonNullable<StartServerOptions['downloadLimits']> = {};
        const perSource = count('--download-slots-per-source', opts.downloadSlotsPerSource, 0);
        if (perSource !== undefined) downloadLimits.perSource = perSource;
        const perSourceQueue = count('--download-queue-per-source', opts.downloadQueuePerSource, 0);
        if (perSourceQueue !== undefined) downloadLimits.perSourceQueue = perSourceQueue;
        const total = count('--download-slots', opts.downloadSlots, 1);
        if (total !== undefined) downloadLimits.total = total;
        if (opts.downloadRatePerSource !== undefined) {
          const mib = Number(opts.downloadRatePerSource);
          if (opts.downloadRatePerSource.trim() === '' || !Number.isFinite(mib) || mib < 0) {
            throw new CliError(
              'usage',
              `--download-rate-per-source must be MiB per second, e.g. 32 or 0.5 (0 = no bound), not "${opts.downloadRatePerSource}"`,
              { exitCode: 2 },
            );
          }
          downloadLimits.bytesPerSecondPerSource = Math.round(mib * 1024 * 1024);
        }
        if (opts.sqliteCache !== undefined) {
          const mib = Number(opts.sqliteCache);
          if (opts.sqliteCache.trim() === '' || !Number.isFinite(mib) || mib < 0 || mib > 65_536) {
            throw new CliError(
              'usage',
              `--sqlite-cache must be MiB from 0 to 65536, e.g. 16 or 2, not "${opts.sqliteCache}"`,
              { exitCode: 2 },
            );
          }
          serverOpts.sqlitePageCacheKib = Math.round(mib * 1024);
        }
        if (Object.keys(downloadLimits).length > 0) serverOpts.downloadLimits = downloadLimits;
        if (opts.devLoopbackWebhooks) serverOpts.webhook = { allowLoopback: true };
        const server = await pkg.startServer(serverOpts).catch((err: unknown) => {
          throw listenError(err, opts.host, port);
        });
        // The owner key goes only to a person at a terminal: a stdout that is a pipe or a file
        // ends up in CI logs, journald or a container log, which outlive the key's secrecy.
        const shownKey = process.stdout.isTTY ? server.adminKey : null;
        if (opts.json) {
          process.stdout.write(
            JSON.stringify({
              url: server.url,
              dataDir,
              adminKeyPath: server.adminKeyPath,
              adminKeyCreated: server.adminKey !== null,
              adminKey: shownKey,
            }) + '\n',
          );
        } else {
          const lines = [
            `${colour.green('Updraft')} is serving on ${colour.bold(server.url)}  ${colour.dim(`(${describeStorage(pkg, serverOpts)})`)}`,
          ];
          if (shownKey) {
            lines.push(`owner API key (shown once, also saved to ${server.adminKeyPath}):`, `  ${shownKey}`);
          } else if (server.adminKey) {
            lines.push(`owner API key: created in ${server.adminKeyPath} (mode 0600; not printed to a pipe or file)`);
          } else {
            lines.push(`owner API key: in ${server.adminKeyPath}`);
          }
          lines.push(
            'next, in another terminal:',
            `  export UPDRAFT_SERVER=${server.url} UPDRAFT_API_KEY=$(cat ${server.adminKeyPath})`,
            '  npx updraft apps create com.example.app',
          );
          process.stdout.write(lines.join('\n') + '\n');
        }
        const stop = async () => {
          // A database or bucket that is away must not keep a stopping server alive: 10 s to close.
          setTimeout(() => process.exit(0), 10_000).unref();
          await server.close().catch(() => undefined);
          process.exit(0);
        };
        process.once('SIGINT', () => void stop());
        process.once('SIGTERM', () => void stop());
      }),
    );
}

/** `--trust-proxy 127.0.0.1,10.0.0.0/8` → its addresses, each checked to be an IP or a CIDR range. */
export function parseTrustProxy(value: string): string[] {
  const list = value
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  for (const entry of list) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const max = family === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (family === 0 || !bitsOk || extra !== undefined) {
      throw new CliError(
        'usage',
        `--trust-proxy takes IP addresses or CIDR ranges separated by commas (e.g. 127.0.0.1,10.0.0.0/8), not "${entry}"`,
        { exitCode: 2 },
      );
    }
  }
  if (list.length === 0) throw new CliError('usage', '--trust-proxy needs at least one address', { exitCode: 2 });
  return list;
}

/** The two ways a listen fails that a person can fix by choosing another port or host. */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new CliError(
      'port-in-use',
      `port ${port} on ${host} is in use (another 'updraft serve'?); stop that process or pass --port with a free port (--port 0 picks one)`,
    );
  }
  if (code === 'EACCES') {
    return new CliError(
      'port-denied',
      `not allowed to listen on ${host}:${port} (ports below 1024 need privileges); pass --port 1024 or higher`,
    );
  }
  if (code === 'EADDRNOTAVAIL') {
    return new CliError('bad-host', `${host} is not an address of this machine; pass --host with one (e.g. 127.0.0.1)`);
  }
  return err;
}

function describeStorage(pkg: ServerPackage, opts: StartServerOptions): string {
  const database = opts.databaseUrl ? pkg.redactDatabaseUrl(opts.databaseUrl) : `${opts.dataDir}/updraft.db`;
  const blobs = opts.blobs ?? `${opts.dataDir}/blobs`;
  return `database: ${database}, blobs: ${blobs}`;
}
