import type { FromSchema } from 'json-schema-to-ts';
import { LIMIT_PATTERN, listOf } from './common.js';

/**
 * One outbound webhook delivery as the server reports it: what was raised, where it went and
 * how its attempts went. The one shape for every webhook whose history the API lists.
 */
export const webhookDelivery = {
  type: 'object',
  required: [
    'id',
    'event',
    'host',
    'status',
    'attempts',
    'lastStatusCode',
    'lastError',
    'createdAt',
    'lastAttemptAt',
    'nextAttemptAt',
    'settledAt',
  ],
  properties: {
    id: { type: 'string', description: 'sent as `x-updraft-delivery`: the receiver deduplicates on it' },
    event: { type: 'string', description: 'sent as `x-updraft-event`, e.g. `audit.anchor-refused`' },
    host: { type: 'string', description: 'the host it was posted to' },
    status: {
      type: 'string',
      enum: ['pending', 'delivered', 'failed'],
      description: 'pending: not yet delivered and another attempt is due; failed: every attempt failed',
    },
    attempts: { type: 'integer', description: 'attempts made so far' },
    lastStatusCode: {
      type: ['integer', 'null'],
      description: 'the HTTP status the last attempt got; null when it got no answer (see lastError) or none was made',
    },
    lastError: { type: ['string', 'null'], description: 'why the last attempt failed; null after a delivery' },
    createdAt: { type: 'string', description: 'when it was raised' },
    lastAttemptAt: { type: ['string', 'null'] },
    nextAttemptAt: {
      type: ['string', 'null'],
      description: 'when a pending delivery is tried again; null once settled',
    },
    settledAt: { type: ['string', 'null'], description: 'when it was delivered or given up' },
  },
  additionalProperties: false,
} as const;
export type WebhookDelivery = FromSchema<typeof webhookDelivery>;

const deliveries = listOf('deliveries', webhookDelivery);
export type WebhookDeliveries = FromSchema<typeof deliveries>;

/** Newest first, `?limit=` of them (default 20). */
export const listDeliveries = {
  querystring: {
    type: 'object',
    properties: { limit: { type: 'string', pattern: LIMIT_PATTERN } },
    additionalProperties: false,
  },
  response: deliveries,
} as const;
export const DEFAULT_DELIVERIES_LIMIT = 20;
