import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { FolderBlobStore, type BlobStore } from './blobs/index.js';
import { adminRoutes } from './routes/admin.js';
import { deviceResolveRoutes } from './routes/device-resolve.js';
import { registerOpenApi } from './routes/openapi.js';
import { DEFAULT_SCHEDULER_INTERVAL_MS, installScheduler } from './scheduler.js';
import { installAuditAnchoring } from './audit-anchoring.js';
import { installErrorHandlers } from './routes/errors.js';
import { healthRoutes } from './routes/health.js';
import { repositoryRoutes } from './routes/repository.js';
import { transparencyLogRoutes } from './routes/transparency-log.js';
import {
  ApiKeysService,
  AppsService,
  AuditService,
  AuthService,
  ChannelsService,
  ReleaseOpsService,
  ReleasesService,
  RepositoryService,
  ResolveService,
  TransparencyLogService,
  type Services,
} from './services/index.js';
import { openSqliteStore, type MetadataStore } from './store/index.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8787;
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;

export interface BuildAppOptions {
  store: MetadataStore;
  blobs: BlobStore;
  /** Largest file an upload may have (default 100 MiB). */
  maxFileBytes?: number;
  logger?: boolean;
  /** The clock, for tests of expiry. */
  now?: () => number;
  /** How often scheduled starts are applied (default 15 s; 0 = never, e.g. in tools that only read). */
  schedulerIntervalMs?: number;
  /** How often each organization's audit head is anchored in the transparency log (default 5 min; 0 = never). */
  auditAnchorIntervalMs?: number;
}

export function createServices(opts: BuildAppOptions): Services {
  const now = opts.now ?? Date.now;
  const { store, blobs } = opts;
  return {
    apps: new AppsService({ store, now }),
    auth: new AuthService({ store, now }),
    releases: new ReleasesService({ store, blobs, now, maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES }),
    repository: new RepositoryService({ store, blobs }),
    log: new TransparencyLogService({ store, now }),
    keys: new ApiKeysService({ store, now }),
    audit: new AuditService({ store }),
    channels: new ChannelsService({ store, now }),
    releaseOps: new ReleaseOpsService({ store, now }),
    resolve: new ResolveService({ store }),
  };
}

/**
 * The Fastify app over any metadata and blob store, not listening yet. The caller owns the
 * stores and closes them after the app.
 */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
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
  installErrorHandlers(app);
  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-request-id', request.id);
    return payload;
  });
  const services = createServices(opts);
  await registerOpenApi(app);
  installScheduler(app, services, opts.schedulerIntervalMs ?? DEFAULT_SCHEDULER_INTERVAL_MS);
  installAuditAnchoring(app, opts.store, opts.now ?? Date.now, opts.auditAnchorIntervalMs);
  await app.register(healthRoutes);
  await app.register(adminRoutes, {
    prefix: '/v1',
    services,
    maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
  });
  await app.register(repositoryRoutes, { services });
  await app.register(transparencyLogRoutes, { services });
  await app.register(deviceResolveRoutes, { services });
  return app;
}

export interface StartServerOptions {
  /** Default 127.0.0.1: reachable only from this machine until the operator decides otherwise. */
  host?: string;
  /** Default 8787; 0 picks any free port. */
  port?: number;
  /** Holds updraft.db, blobs/ and admin.key; created if missing. */
  dataDir: string;
  maxFileBytes?: number;
  logger?: boolean;
  schedulerIntervalMs?: number;
  auditAnchorIntervalMs?: number;
}

export interface RunningServer {
  url: string;
  adminKeyPath: string;
  /** The owner API key, only on the first start (when it was created); null afterwards. */
  adminKey: string | null;
  close(): Promise<void>;
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

/** The embedded server: SQLite + a blob folder under dataDir. */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const dataDir = resolve(opts.dataDir);
  // 0700: the database holds the app's online private keys.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const store = await openSqliteStore(join(dataDir, 'updraft.db'));
  let app: FastifyInstance | undefined;
  try {
    const blobs = await FolderBlobStore.open(join(dataDir, 'blobs'));
    const owner = await new AuthService({ store, now: Date.now }).ensureOwnerKey(dataDir);
    const buildOpts: BuildAppOptions = { store, blobs, logger: opts.logger ?? false };
    if (opts.maxFileBytes !== undefined) buildOpts.maxFileBytes = opts.maxFileBytes;
    if (opts.schedulerIntervalMs !== undefined) buildOpts.schedulerIntervalMs = opts.schedulerIntervalMs;
    if (opts.auditAnchorIntervalMs !== undefined) buildOpts.auditAnchorIntervalMs = opts.auditAnchorIntervalMs;
    app = await buildApp(buildOpts);
    await app.listen({ host: opts.host ?? DEFAULT_HOST, port: opts.port ?? DEFAULT_PORT });
    const running = app;
    return {
      url: urlOf(running.server.address() as AddressInfo),
      adminKeyPath: owner.path,
      adminKey: owner.key,
      async close() {
        await running.close();
        await store.close();
      },
    };
  } catch (err) {
    await app?.close();
    await store.close();
    throw err;
  }
}
