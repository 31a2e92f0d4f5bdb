import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { openBlobStore, type BlobStore, type BlobStoreSpec, type S3ConnectionOptions } from '../blobs/blobs.js';
import {
  DEFAULT_GUARDRAIL_INTERVAL_MS,
  DEFAULT_SCHEDULER_INTERVAL_MS,
  installJobs,
  RESIGN_INTERVAL_MS,
  RETENTION_INTERVAL_MS,
  serverJobs,
  type JobIntervals,
  type RetentionOptions,
  type ServerJobsDeps,
} from '../jobs/jobs.js';
import { adminRoutes } from '../http/admin-routes.js';
import { deviceResolveRoutes } from '../http/device-resolve-routes.js';
import { CodePushAcquisitionService } from '../domain/codepush/codepush-acquisition.js';
import { CodePushAdminService } from '../domain/codepush/codepush-packages.js';
import { codePushDeviceRoutes } from '../http/codepush/codepush-routes.js';
import { ExpoAdminService } from '../domain/expo/expo-admin.js';
import { ExpoDeviceService } from '../domain/expo/expo-device.js';
import { expoDeviceRoutes } from '../http/expo/expo-routes.js';
import { SourcemapService } from '../domain/sourcemaps/sourcemap-service.js';
import { registerOpenApi } from '../http/openapi.js';
import { adminKeyPath, secureDataDir, writeAdminKey } from './data-dir.js';
import { installErrorHandlers } from '../http/error-handlers.js';
import { installMetricsRoute, installRequestObservability } from '../http/request-observability.js';
import { Metrics } from './metrics.js';
import { redactDatabaseUrl } from '../persistence/postgres.js';
import { healthRoutes } from '../http/health-routes.js';
import { CheckAnswers } from '../http/check-answers.js';
import { DownloadSlots, type DownloadLimits } from '../http/download-slots.js';
import { CheckFrontDoorServer } from '../http/check-front-door.js';
import { repositoryRoutes } from '../http/repository-routes.js';
import { transparencyLogRoutes } from '../http/transparency-log-routes.js';
import { dashboardRoutes } from '../http/dashboard-routes.js';
import { eventRoutes } from '../http/events-routes.js';
import { sessionRoutes } from '../http/session-routes.js';
import {
  ApiKeysService,
  AppsService,
  AuditService,
  AuthService,
  ChannelsService,
  GuardrailService,
  WebhookQueue,
  enqueueWebhook,
  type WebhookRequest,
  DEFAULT_ANCHOR_INTERVAL_MS,
  IngestService,
  InsightService,
  ReleaseOpsService,
  ExpiryService,
  ReleasesService,
  RepositoryService,
  ResolveService,
  SignedTargets,
  TransparencyLogService,
  TrustService,
  UsersService,
  type IngestRateLimit,
  type Services,
  type WebhookOptions,
} from '../domain/services.js';
import {
  openDatabase,
  SQLITE_PAGE_CACHE_KIB,
  type Database,
  type WebhookDelivery,
} from '../persistence/persistence.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8787;
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;

export interface BuildAppOptions {
  store: Database;
  blobs: BlobStore;
  /** Largest file an upload may have (default 100 MiB). */
  maxFileBytes?: number;
  /** A pino logger (app/logger.ts), or false/undefined for none. */
  logger?: boolean | Logger;
  /** Counters for GET /metrics; a new set when not given. */
  metrics?: Metrics;
  /** Serves GET /metrics to `Authorization: Bearer <token>`; without it there is no /metrics. */
  metricsToken?: string;
  /** The clock, for tests of expiry. */
  now?: () => number;
  /**
   * Run the periodic jobs (jobs/server-jobs.ts: re-signing, scheduled starts, guardrails,
   * webhooks, retention, audit anchoring) in this process; default true. One switch for all.
   */
  jobs?: boolean;
  /** Re-signing job interval (default 10 min; 0 = never). */
  resignIntervalMs?: number;
  /** How often scheduled starts are applied (default 15 s; 0 = never, e.g. in tools that only read). */
  schedulerIntervalMs?: number;
  /** How often each organization's audit head is anchored in the transparency log (default 5 min; 0 = never). */
  auditAnchorIntervalMs?: number;
  /** See RepositoryServiceOptions.timestampCacheMs (default 0; startServer's is 1000). */
  timestampCacheMs?: number;
  /** How often guardrails are evaluated (default 30 s; 0 = never). */
  guardrailIntervalMs?: number;
  /** Per ingest key (default 50,000 events/s). */
  ingestRateLimit?: Partial<IngestRateLimit>;
  /** Webhook retries (default 4 attempts, 1 s backoff doubling, 5 s timeout) and the loopback dev flag. */
  webhook?: WebhookOptions;
  /** How long device data is kept (default rollups 90 days, raw events 7 days). */
  retention?: Partial<RetentionOptions>;
  /** Counted events per network source (see IngestService); default 100 per hour per event kind. */
  sourceBudget?: number;
  /** Events a minute one network source may send to POST /v1/events (default 6,000; 429 beyond). */
  sourceEventsPerMinute?: number;
  /** The built dashboard (index.html + assets/); default: @updraft/dashboard's dist when installed. */
  dashboardDir?: string | null;
  /**
   * Addresses or CIDR ranges of the reverse proxies whose X-Forwarded-Proto/-For are believed
   * (a TLS-terminating proxy): then the session cookie is Secure + `__Host-` and HSTS is sent.
   * Default none: from anyone else those headers are ignored.
   */
  trustProxy?: string[];
  /**
   * Bounds on anonymous file downloads (http/download-slots.ts): per network source and in
   * all, with a short wait queue, then 429/503 + Retry-After. Default 8 per source, 128 in all,
   * and 32 MiB/s per source (http/download-rate.ts).
   */
  downloadLimits?: Partial<DownloadLimits>;
  /** The slots to use instead of new ones from downloadLimits (a test reads their stats). */
  downloads?: DownloadSlots;
}

/** Each job's interval from the options (0 turns one off). */
function jobIntervals(opts: BuildAppOptions): JobIntervals {
  return {
    resignMs: opts.resignIntervalMs ?? RESIGN_INTERVAL_MS,
    scheduledStartsMs: opts.schedulerIntervalMs ?? DEFAULT_SCHEDULER_INTERVAL_MS,
    guardrailsMs: opts.guardrailIntervalMs ?? DEFAULT_GUARDRAIL_INTERVAL_MS,
    // Polls the queue at least as often as the first retry is due.
    webhooksMs: Math.min(1000, opts.webhook?.backoffMs ?? 1000),
    retentionMs: RETENTION_INTERVAL_MS,
    auditAnchorMs: opts.auditAnchorIntervalMs ?? DEFAULT_ANCHOR_INTERVAL_MS,
  };
}

/** Sent on every HTTPS answer: a browser that saw it never tries plain http for a year. */
export const HSTS = 'max-age=31536000';

export function createServices(opts: BuildAppOptions): Services {
  const now = opts.now ?? Date.now;
  const { store, blobs } = opts;
  const releaseOps = new ReleaseOpsService({ store, now });
  const webhooks = new WebhookQueue(opts.webhook ? { store, now, options: opts.webhook } : { store, now });
  const ingestDeps: ConstructorParameters<typeof IngestService>[0] = { store, now };
  if (opts.ingestRateLimit) ingestDeps.rateLimit = opts.ingestRateLimit;
  if (opts.sourceBudget !== undefined) ingestDeps.sourceBudget = opts.sourceBudget;
  if (opts.sourceEventsPerMinute !== undefined) ingestDeps.sourceEventsPerMinute = opts.sourceEventsPerMinute;
  const ingest = new IngestService(ingestDeps);
  const transparencyLog = new TransparencyLogService({ store, now });
  const signedTargets = new SignedTargets({ store });
  const resolver = new ResolveService({ store, targets: signedTargets });
  const releases = new ReleasesService({
    store,
    blobs,
    now,
    maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
  });
  return {
    webhooks,
    codepush: {
      admin: new CodePushAdminService({ store, blobs, now }),
      acquisition: new CodePushAcquisitionService({ store, ingest, now }),
    },
    expo: {
      admin: new ExpoAdminService({ store, blobs, now }),
      device: new ExpoDeviceService({ store, resolve: resolver }),
    },
    apps: new AppsService({ store, now }),
    auth: new AuthService({ store, now }),
    releases,
    sourcemaps: new SourcemapService({ store, blobs, releases, now }),
    repository: new RepositoryService({
      store,
      blobs,
      now,
      timestampCacheMs: opts.timestampCacheMs ?? 0,
      targets: signedTargets,
    }),
    transparencyLog,
    apiKeys: new ApiKeysService({ store, now }),
    audit: new AuditService(
      opts.webhook ? { store, transparencyLog, now, webhook: opts.webhook } : { store, transparencyLog, now },
    ),
    channels: new ChannelsService({ store, now }),
    releaseOps,
    resolve: resolver,
    trust: new TrustService({ store, now }),
    expiry: new ExpiryService({ store, now }),
    ingest,
    insight: new InsightService({ store, now }),
    guardrails: new GuardrailService(
      opts.webhook ? { store, now, releaseOps, webhooks, webhook: opts.webhook } : { store, now, releaseOps, webhooks },
    ),
    users: new UsersService({ store, now }),
  };
}

/** The built dashboard shipped by the @updraft/dashboard workspace, or null when it is not built. */
export function defaultDashboardDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('@updraft/dashboard/package.json');
    const dir = join(dirname(pkg), 'dist');
    return existsSync(join(dir, 'index.html')) ? dir : null;
  } catch {
    return null;
  }
}

/**
 * How long an idle keep-alive connection stays open. Above the idle timeouts of common load
 * balancers and proxies (AWS ALB and nginx: 60 s), so they, not we, close a pooled connection:
 * a server that closes first races the client's next request on that socket (Node's own
 * default is 5 s). Fastify's default, which a serverFactory does not get. The raw check
 * reader in front of node:http uses the same value (http/check-front-door.ts).
 */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;

function withKeepAlive<S extends Server>(server: S): S {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Counted from a request's first byte; kept above keepAliveTimeout so a request that starts
  // just before the idle limit is not cut off by the headers limit instead.
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  return server;
}

/**
 * The Fastify app over any metadata and blob store, not listening yet. The caller owns the
 * stores and closes them after the app.
 */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const services = createServices(opts);
  const checkAnswers = new CheckAnswers(services.repository);
  const metrics = opts.metrics ?? new Metrics();
  // Typed as Fastify's base logger so the app keeps the FastifyInstance type every plugin takes.
  const logger =
    typeof opts.logger === 'object'
      ? { loggerInstance: opts.logger as FastifyBaseLogger }
      : { logger: opts.logger ?? false };
  const app = Fastify({
    // The no-update check skips node:http and Fastify while its answer is cached (http/check-front-door.ts).
    serverFactory: (handler) => withKeepAlive(new CheckFrontDoorServer(handler, checkAnswers, metrics.frontDoor)),
    ...logger,
    // One line per request, written when it ends (http/request-observability.ts), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: opts.trustProxy && opts.trustProxy.length > 0 ? opts.trustProxy : false,
    // appIds are up to 128 characters and target paths longer than find-my-way's default 100.
    routerOptions: { maxParamLength: 2048 },
    // Router-level refusals in the API's own error format (the default one is different).
    frameworkErrors: (error, _request, res) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const reply = res as FastifyReply;
      void reply.code(tooLong ? 414 : 400).send({
        error: {
          code: tooLong ? 'too-long' : 'bad-request',
          message: tooLong ? 'a path parameter is longer than 2048 characters; ids are at most 128' : error.message,
        },
      });
    },
    // Request ids go into the audit log: unique across restarts and instances.
    genReqId: () => randomUUID(),
    ajv: {
      // Refuse wrong types and unknown fields with a 400 instead of silently coercing or dropping them.
      customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false },
    },
  });
  installErrorHandlers(app, metrics);
  installRequestObservability(app, metrics);
  installMetricsRoute(app, metrics, opts.metricsToken);
  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-request-id', request.id);
    if (request.protocol === 'https') void reply.header('strict-transport-security', HSTS);
    return payload;
  });
  await registerOpenApi(app);
  await app.register(healthRoutes, { store: opts.store, blobs: opts.blobs });
  await app.register(adminRoutes, {
    prefix: '/v1',
    services,
    maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
  });
  // One set of slots for every route that streams files to anonymous clients.
  const downloads = opts.downloads ?? new DownloadSlots(opts.downloadLimits);
  metrics.downloads = downloads;
  await app.register(repositoryRoutes, { services, downloads });
  await app.register(transparencyLogRoutes, { services });
  await app.register(deviceResolveRoutes, { services });
  await app.register(codePushDeviceRoutes, { codepush: services.codepush, blobs: opts.blobs, downloads });
  await app.register(expoDeviceRoutes, { expo: services.expo, repository: services.repository, downloads });
  // A write through this instance is visible to its devices at once; other instances see it
  // when their short timestamp cache runs out.
  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400) {
      services.repository.forgetCached();
    }
  });
  await app.register(eventRoutes, { prefix: '/v1', services });
  await app.register(sessionRoutes, { services });
  await app.register(dashboardRoutes, {
    dir: opts.dashboardDir === undefined ? defaultDashboardDir() : opts.dashboardDir,
  });
  const now = opts.now ?? Date.now;
  if (opts.jobs !== false) {
    const jobsDeps: ServerJobsDeps = {
      store: opts.store,
      services,
      now,
      intervals: jobIntervals(opts),
      logger: app.log,
      metrics,
    };
    if (opts.retention) jobsDeps.retention = opts.retention;
    installJobs(app, { store: opts.store, jobs: serverJobs(jobsDeps), now, metrics });
  }
  return app;
}

/**
 * The options startServer hands to buildApp as they are (documented on BuildAppOptions): one
 * list for the type and the copy, so a new app option is passed through by naming it here.
 */
const PASSED_TO_APP = [
  'maxFileBytes',
  'metricsToken',
  'jobs',
  'resignIntervalMs',
  'schedulerIntervalMs',
  'auditAnchorIntervalMs',
  'guardrailIntervalMs',
  'ingestRateLimit',
  'webhook',
  'retention',
  'sourceBudget',
  'sourceEventsPerMinute',
  'dashboardDir',
  'trustProxy',
  'downloadLimits',
  'downloads',
] as const satisfies readonly (keyof BuildAppOptions)[];

/** The app options startServer takes as buildApp does, plus where its stores live and how it listens. */
export interface StartServerOptions extends Pick<BuildAppOptions, (typeof PASSED_TO_APP)[number] | 'logger'> {
  /** Default 127.0.0.1: reachable only from this machine until the operator decides otherwise. */
  host?: string;
  /** Default 8787; 0 picks any free port. */
  port?: number;
  /** Holds updraft.db, blobs/ and admin.key; created if missing. */
  dataDir: string;
  /** postgres://… to use PostgreSQL instead of `<dataDir>/updraft.db`. */
  databaseUrl?: string;
  /** The embedded SQLite's page cache in KiB (default SQLITE_PAGE_CACHE_KIB, 2,048). */
  sqlitePageCacheKib?: number;
  /** s3://bucket/prefix (or a folder) instead of `<dataDir>/blobs`. */
  blobs?: string;
  /** S3 endpoint, region, path-style and credentials; default: the standard AWS environment. */
  s3?: S3ConnectionOptions;
  /** Public base URL of the blob bucket (a CDN in front of it): target downloads redirect there. */
  publicBlobUrl?: string;
  /** See RepositoryServiceOptions.timestampCacheMs. Default 1000 here (buildApp's is 0: always ask the database). */
  timestampCacheMs?: number;
}

/** Copies the options that are set, so an option left out keeps buildApp's default. */
function passTo<K extends keyof BuildAppOptions>(
  target: BuildAppOptions,
  from: Pick<BuildAppOptions, K>,
  keys: readonly K[],
): void {
  for (const key of keys) if (from[key] !== undefined) target[key] = from[key];
}

export interface RunningServer {
  url: string;
  adminKeyPath: string;
  /** The owner API key, only on the first start (when it was created); null afterwards. */
  adminKey: string | null;
  /** The outbound webhook queue: delivered by this server's webhook job, with retries. */
  webhooks: {
    enqueue(req: WebhookRequest): Promise<string>;
    get(id: string): Promise<WebhookDelivery | null>;
  };
  close(): Promise<void>;
}

/** What the server runs with, for the startup log line: locations, never credentials. */
function describeConfig(opts: StartServerOptions, dataDir: string): Record<string, unknown> {
  return {
    host: opts.host ?? DEFAULT_HOST,
    port: opts.port ?? DEFAULT_PORT,
    dataDir,
    database: opts.databaseUrl ? redactDatabaseUrl(opts.databaseUrl) : join(dataDir, 'updraft.db'),
    sqlitePageCacheKib: opts.databaseUrl ? null : (opts.sqlitePageCacheKib ?? SQLITE_PAGE_CACHE_KIB),
    blobs: opts.blobs ?? join(dataDir, 'blobs'),
    s3Endpoint: opts.s3?.endpoint ?? null,
    s3Region: opts.s3?.region ?? null,
    publicBlobUrl: opts.publicBlobUrl ?? null,
    jobs: opts.jobs ?? true,
    resignIntervalMs: opts.resignIntervalMs ?? null,
    maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    metrics: opts.metricsToken ? 'on (token set)' : 'off',
  };
}

function urlOf(address: AddressInfo): string {
  const host =
    address.address === '0.0.0.0'
      ? '127.0.0.1'
      : address.address === '::'
        ? '[::1]'
        : address.family === 'IPv6'
          ? `[${address.address}]`
          : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * The server: by default the embedded SQLite + a blob folder under dataDir; with databaseUrl
 * and blobs, PostgreSQL + S3, and then any number of instances can share them.
 */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const dataDir = resolve(opts.dataDir);
  // 0700/0600: the database holds the app's online private keys.
  await secureDataDir(dataDir, { sqlite: opts.databaseUrl === undefined || opts.databaseUrl === '' });
  const storeSpec: Parameters<typeof openDatabase>[0] = { dataDir };
  if (opts.databaseUrl !== undefined) storeSpec.databaseUrl = opts.databaseUrl;
  if (opts.sqlitePageCacheKib !== undefined) storeSpec.sqlitePageCacheKib = opts.sqlitePageCacheKib;
  const store = await openDatabase(storeSpec);
  let app: FastifyInstance | undefined;
  let blobs: BlobStore | undefined;
  try {
    const blobSpec: BlobStoreSpec = { dataDir, ...opts.s3 };
    if (opts.blobs !== undefined) blobSpec.blobs = opts.blobs;
    if (opts.publicBlobUrl !== undefined) blobSpec.publicBaseUrl = opts.publicBlobUrl;
    blobs = await openBlobStore(blobSpec);
    const ownerKey = await new AuthService({ store, now: Date.now }).ensureOwnerKey((key) =>
      writeAdminKey(dataDir, key),
    );
    const metrics = new Metrics();
    const buildOpts: BuildAppOptions = {
      store,
      blobs,
      logger: opts.logger ?? false,
      metrics,
      timestampCacheMs: opts.timestampCacheMs ?? 1000,
    };
    passTo(buildOpts, opts, PASSED_TO_APP);
    app = await buildApp(buildOpts);
    const log = app.log;
    log.info({ config: describeConfig(opts, dataDir) }, 'starting');
    await app.listen({ host: opts.host ?? DEFAULT_HOST, port: opts.port ?? DEFAULT_PORT });
    const running = app;
    const openBlobs = blobs;
    return {
      url: urlOf(running.server.address() as AddressInfo),
      adminKeyPath: adminKeyPath(dataDir),
      adminKey: ownerKey,
      webhooks: {
        enqueue: (req) => enqueueWebhook(store, req, Date.now()),
        get: (id) => store.insight.getWebhook(id),
      },
      async close() {
        await running.close();
        await openBlobs.close?.();
        await store.close();
      },
    };
  } catch (err) {
    await app?.close();
    await blobs?.close?.();
    await store.close();
    throw err;
  }
}
