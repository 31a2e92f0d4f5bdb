import { EVENT_ID_PATTERN, MAX_EVENTS_PER_BATCH, TELEMETRY_EVENTS } from '@updraft/protocol';
import type { FromSchema } from 'json-schema-to-ts';
import { DATE_TIME_PATTERN, errorResponses, identifier } from './common.js';

const shortText = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:+-]+$' } as const;

/** POST /v1/events (the app's ingest key) */
export const ingestEvents = {
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
            event: { type: 'string', enum: TELEMETRY_EVENTS },
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
  response: {
    200: {
      description: 'how many events were stored, were already stored (same id), or were stored but not counted',
      type: 'object',
      required: ['accepted', 'duplicates', 'uncounted'],
      properties: {
        accepted: { type: 'integer' },
        duplicates: { type: 'integer' },
        uncounted: { type: 'integer', description: "over the network source's budget: kept, not counted" },
      },
      additionalProperties: false,
    },
    ...errorResponses(400, 401, 413, 429, 503),
  },
} as const;
export type IngestEventsBody = FromSchema<typeof ingestEvents.body>;
export type IngestEventsResult = FromSchema<(typeof ingestEvents.response)[200]>;
