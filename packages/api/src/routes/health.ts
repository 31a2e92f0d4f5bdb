import type { FromSchema } from 'json-schema-to-ts';

// Unknown query parameters are ignored here (probes add their own), unlike on the admin routes.
const anyQuery = { type: 'object', properties: {} } as const;

/** GET /healthz */
export const liveness = {
  querystring: anyQuery,
  response: {
    200: {
      description: 'the process answers',
      type: 'object',
      required: ['ok'],
      properties: { ok: { type: 'boolean' } },
      additionalProperties: false,
    },
  },
} as const;

const dependency = { type: 'string', enum: ['ok', 'unavailable'] } as const;
const readiness = {
  type: 'object',
  required: ['ok', 'database', 'blobStore'],
  properties: { ok: { type: 'boolean' }, database: dependency, blobStore: dependency },
  additionalProperties: false,
} as const;
export type Readiness = FromSchema<typeof readiness>;

/** GET /readyz */
export const readinessProbe = {
  querystring: anyQuery,
  response: {
    200: { ...readiness, description: 'the database and the blob store answer' },
    503: { ...readiness, description: 'a dependency does not answer (Retry-After is set)' },
  },
} as const;
