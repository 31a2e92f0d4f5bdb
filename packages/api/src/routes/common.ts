import type { FromSchema } from 'json-schema-to-ts';
import { IDENTIFIER } from '@updraft/protocol';

// JSON schema fragments shared by the admin routes' schemas. Patterns mirror @updraft/protocol so that bad
// input is refused at the edge with a 400, before any service runs.

export const IDENTIFIER_PATTERN = IDENTIFIER.source;
export const SHA256_PATTERN = '^[0-9a-f]{64}$';

export const LIMIT_PATTERN = '^([1-9][0-9]{0,2}|1000)$';
export const DATE_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$';
export const SEQ_PATTERN = '^(0|[1-9][0-9]{0,14})$';

export const identifier = { type: 'string', pattern: IDENTIFIER_PATTERN } as const;
export const sha256 = { type: 'string', pattern: SHA256_PATTERN } as const;

/** A TUF envelope; its content is checked by the protocol parsers, which give better messages. */
export const envelope = {
  type: 'object',
  required: ['signed', 'signatures'],
  properties: { signed: { type: 'object' }, signatures: { type: 'array' } },
} as const;

/**
 * A TUF envelope as the server answers it: the stored bytes, sent as they are (never
 * re-serialized), so fields this schema does not name still reach the reader unchanged.
 */
export const servedEnvelope = {
  type: 'object',
  required: ['signed', 'signatures'],
  properties: {
    signed: { type: 'object', additionalProperties: true },
    signatures: {
      type: 'array',
      items: {
        type: 'object',
        required: ['keyid', 'sig'],
        properties: { keyid: { type: 'string' }, sig: { type: 'string' } },
        additionalProperties: true,
      },
    },
  },
  additionalProperties: true,
} as const;
export type ServedEnvelope = FromSchema<typeof servedEnvelope>;

export const appParams = {
  type: 'object',
  required: ['appId'],
  properties: { appId: identifier },
  additionalProperties: false,
} as const;

/** Human wording for the patterns above, used by the error handler. */
export const PATTERN_WORDING: Record<string, string> = {
  [IDENTIFIER_PATTERN]: "1-128 letters, digits, '.', '_' or '-', starting with a letter or digit",
  [SHA256_PATTERN]: 'a lower-case hex SHA-256 (64 characters)',
  [LIMIT_PATTERN]: 'an integer from 1 to 1000',
  [DATE_TIME_PATTERN]: 'an ISO 8601 date-time such as 2027-01-31T09:00:00Z',
  [SEQ_PATTERN]: 'a non-negative integer',
};

export const releaseParams = {
  type: 'object',
  required: ['appId', 'releaseId'],
  properties: { appId: identifier, releaseId: identifier },
  additionalProperties: false,
} as const;

export const basisPoints = {
  type: 'integer',
  minimum: 0,
  maximum: 10000,
  description: 'rollout in basis points: 0…10000 (2500 = 25 %, 1 = 0.01 %)',
} as const;

export const dateTime = {
  type: 'string',
  minLength: 20,
  maxLength: 40,
  pattern: DATE_TIME_PATTERN,
  description: 'ISO 8601 UTC date-time, e.g. 2027-01-31T09:00:00Z',
} as const;

const rangeString = { type: 'string', minLength: 1, maxLength: 256 } as const;

/** Targeting rules (docs/protocol.md §5.1); the protocol parser checks the ranges and names the field. */
export const targeting = {
  type: 'object',
  additionalProperties: false,
  properties: {
    appVersion: rangeString,
    osVersion: rangeString,
    reactNativeVersion: rangeString,
    arch: { type: 'array', minItems: 1, maxItems: 16, items: { type: 'string', minLength: 1, maxLength: 32 } },
    custom: {
      type: 'object',
      maxProperties: 32,
      additionalProperties: { type: 'string', maxLength: 256 },
    },
  },
} as const;

export const notes = { type: 'string', maxLength: 10000, description: 'release notes (plain text)' } as const;

/** Every failure: `{error: {code, message, …details}}` (the codes are the catalogue of errors.ts). */
export const errorResponse = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      // Some codes carry details beside the message (e.g. `missing`, `maxBytes`).
      additionalProperties: true,
    },
  },
  additionalProperties: false,
} as const;
export type ErrorResponse = FromSchema<typeof errorResponse>;

/** An open JSON object (a map, or a document whose content other code checks): kept whole when serialized. */
export const anyObject = { type: 'object', additionalProperties: true } as const;

/** What each error status means, as the OpenAPI document describes it (codes: docs/api.md). */
const ERROR_STATUS_DESCRIPTION = {
  400: 'the request is invalid: the message names the field',
  401: 'no credential, or an unknown, expired or revoked one',
  403: "the credential's role or scopes do not allow this",
  404: 'no such resource',
  406: 'no acceptable representation',
  409: 'conflicts with the current state',
  413: 'too large',
  414: 'a path parameter is too long',
  415: 'unsupported content type',
  429: 'too many requests: retry after the Retry-After header',
  500: 'a server fault: the server log has the details',
  503: 'a dependency (database, blob store) is unavailable: retry after the Retry-After header',
  507: 'out of storage',
} as const;
export type ErrorStatus = keyof typeof ERROR_STATUS_DESCRIPTION;

/**
 * The `response` entries for the statuses a route can fail with, each the `{error: {code,
 * message}}` body: `response: { 200: …, ...errorResponses(400, 401, 404) }`.
 */
export function errorResponses<const S extends ErrorStatus>(
  ...statuses: S[]
): { [K in S]: typeof errorResponse & { description: string } } {
  const out = {} as Record<S, typeof errorResponse & { description: string }>;
  for (const status of statuses) out[status] = { ...errorResponse, description: ERROR_STATUS_DESCRIPTION[status] };
  return out;
}

/** How an admin route that reads can fail: bad input, no or wrong key, not allowed, no such thing, a dependency down. */
export const adminReadErrors = errorResponses(400, 401, 403, 404, 503);
/** How an admin route that changes something can fail: as a read, and a conflict with the current state or too large a body. */
export const adminWriteErrors = errorResponses(400, 401, 403, 404, 409, 413, 503);

/**
 * An admin route that reads one thing or one list: its path parameters, no query parameters,
 * and the answer beside how an admin read can fail.
 */
export function adminRead<const P extends object, const R extends object>(params: P, answer: R) {
  return { params, querystring: noQuery, response: { 200: answer, ...adminReadErrors } } as const;
}

/** An admin route that changes something: its path parameters, the body it takes, and the answer beside how an admin write can fail. */
export function adminWrite<const P extends object, const B extends object, const R extends object>(
  params: P,
  body: B,
  answer: R,
) {
  return { params, body, response: { 200: answer, ...adminWriteErrors } } as const;
}

/**
 * The answer of a list route, `{ [key]: items[] }` and nothing else. The `const` parameters
 * keep the literal types, so the result types exactly as the same object written `as const`
 * (FromSchema derives the same TypeScript type).
 */
export function listOf<const K extends string, const I extends object>(
  key: K,
  items: I,
): {
  readonly type: 'object';
  readonly required: readonly [K];
  readonly properties: { readonly [P in K]: { readonly type: 'array'; readonly items: I } };
  readonly additionalProperties: false;
} {
  return {
    type: 'object',
    required: [key],
    properties: { [key]: { type: 'array', items } } as { [P in K]: { type: 'array'; items: I } },
    additionalProperties: false,
  };
}

/** For routes without query parameters: an unknown one is a mistake worth a 400. */
export const noQuery = { type: 'object', properties: {}, additionalProperties: false } as const;

/**
 * A response that is not JSON (a file, a signed note, a number as text): documented with its
 * media type, and never serialized by the server, which sends the bytes or text as they are.
 */
export function rawResponse<const M extends string, const D extends string>(
  mediaType: M,
  description: D,
): { description: D; content: { [K in M]: { schema: { type: 'string'; format: 'binary' } } } } {
  return {
    description,
    content: { [mediaType]: { schema: { type: 'string', format: 'binary' } } } as {
      [K in M]: { schema: { type: 'string'; format: 'binary' } };
    },
  };
}
