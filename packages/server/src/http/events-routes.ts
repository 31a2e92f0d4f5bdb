import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { eventsApi } from '@updraft/api';
import { ApiError } from '../domain/api-error.js';
import type { Services } from '../domain/services.js';

/**
 * POST /v1/events: device telemetry, authenticated by the app's ingest key (not an admin
 * key). Registered beside the admin routes, not inside them: the admin access hooks do not
 * apply. The body is validated before the key is checked so bad input gets its 400; the
 * body limit keeps an unauthenticated request cheap. Unknown fields — a device id, say —
 * are refused, so nothing identifying can be stored by mistake.
 *
 * Per-request cost before the key is known: a body of ≤ 512 KiB parsed and schema-checked
 * (≤ MAX_EVENTS_PER_BATCH events), then one indexed key lookup; with a valid key, the
 * per-key rate limit bounds the writes.
 */
export const eventRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  app.post(
    '/events',
    {
      bodyLimit: 512 * 1024,
      schema: {
        tags: ['devices'],
        summary: "Device events, batched (the app's ingest key; idempotent by event id)",
        ...eventsApi.ingestEvents,
      },
    },
    async (request, reply) => {
      const key = await services.ingest.authenticate(request.headers.authorization);
      try {
        return await services.ingest.ingest(key, request.body.events, request.ip);
      } catch (err) {
        if (err instanceof ApiError && err.statusCode === 429) {
          void reply.header('retry-after', String(err.details?.['retryAfterSeconds'] ?? 1));
        }
        throw err;
      }
    },
  );
};
