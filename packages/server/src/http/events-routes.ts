import { EVENT_ID_PATTERN, MAX_EVENTS_PER_BATCH, TELEMETRY_EVENTS, type TelemetryBatch } from '@updraft/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../domain/api-error.js';
import type { Services } from '../domain/services.js';
import { DATE_TIME_PATTERN, identifier } from './route-schemas.js';

const shortText = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:+-]+$' } as const;

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
export const eventRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.post<{ Body: TelemetryBatch }>(
    '/events',
    {
      bodyLimit: 512 * 1024,
      schema: {
        tags: ['devices'],
        summary: "Device events, batched (the app's ingest key; idempotent by event id)",
        security: [{ ingestKey: [] }],
        body: {
          type: 'object',
          required: ['events'],
          additionalProperties: false,
          properties: {
            events: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_EVENTS_PER_BATCH,
              items: {
                type: 'object',
                required: ['id', 'event', 'releaseId', 'channel', 'platform', 'at'],
                additionalProperties: false,
                properties: {
                  id: { type: 'string', pattern: EVENT_ID_PATTERN.source },
                  event: { type: 'string', enum: [...TELEMETRY_EVENTS] },
                  releaseId: { anyOf: [identifier, { type: 'null' }] },
                  channel: identifier,
                  platform: identifier,
                  reason: shortText,
                  binaryVersion: shortText,
                  at: { type: 'string', minLength: 20, maxLength: 40, pattern: DATE_TIME_PATTERN },
                },
              },
            },
          },
        },
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
