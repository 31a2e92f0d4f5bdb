import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { healthApi } from '@updraft/api';
import type { BlobStore } from '../blobs/blobs.js';
import type { Database } from '../persistence/persistence.js';
import { RETRY_AFTER_SECONDS } from '../domain/unavailable.js';

/** How long a readiness probe waits for each dependency before calling it unreachable. */
const PROBE_TIMEOUT_MS = 2000;

async function probe(check: () => Promise<void>): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      }),
    ]);
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: liveness (the process answers; no I/O), for restarting a hung process.
 * `/readyz`: readiness (the database and the blob store answer), for taking an instance out
 * of a load balancer while a dependency is away; no auth, and no details beyond which one.
 * Per-request cost: O(1) for /healthz; one ping each to the database and the blob store,
 * each given up after PROBE_TIMEOUT_MS, for /readyz.
 */
export const healthRoutes: FastifyPluginAsyncJsonSchemaToTs<{
  // Only the round trip: /readyz reads no port.
  Options: { store: Pick<Database, 'ping'>; blobs: BlobStore };
}> = async (app, opts) => {
  app.get('/healthz', { schema: { summary: 'Liveness', ...healthApi.liveness } }, async () => ({ ok: true }));
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: the database and the blob store are reachable',
        ...healthApi.readinessProbe,
      },
    },
    async (request, reply) => {
      const [database, blobStore] = await Promise.all([probe(() => opts.store.ping()), probe(() => opts.blobs.ping())]);
      const ok = database === null && blobStore === null;
      if (!ok) {
        request.log.warn({ database, blobStore }, 'not ready');
        void reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS));
      }
      const readiness: healthApi.Readiness = {
        ok,
        database: database === null ? 'ok' : 'unavailable',
        blobStore: blobStore === null ? 'ok' : 'unavailable',
      };
      return readiness;
    },
  );
};
