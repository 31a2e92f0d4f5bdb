import type { FromSchema } from 'json-schema-to-ts';
import { appParams, errorResponses, listOf, noQuery, rawResponse } from './common.js';

// The read side (docs/protocol.md §9) is mounted at /repo/:appId/log for each app and at
// /log/audit for the audit anchors: the app's mount adds appParams to the params below.

const INTEGER = { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' } as const;
export const HEX_HASH = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const TILE_REST = { type: 'string', maxLength: 64 } as const;
const hashes = { type: 'array', items: { type: 'string' }, description: 'base64 proof hashes' } as const;
const readErrors = errorResponses(400, 404, 503);

/** GET …/log/checkpoint */
export const checkpoint = {
  response: {
    200: rawResponse('text/plain', 'the latest checkpoint (C2SP signed note) and its witness cosignature lines'),
    ...readErrors,
  },
} as const;

/** GET …/log/entries */
export const entries = {
  querystring: {
    type: 'object',
    required: ['start', 'end'],
    properties: { start: INTEGER, end: INTEGER },
    additionalProperties: false,
  },
  response: {
    200: {
      description: 'entries [start, end), at most 256, each base64',
      ...listOf('entries', {
        type: 'object',
        required: ['index', 'data'],
        properties: { index: { type: 'integer' }, data: { type: 'string' } },
        additionalProperties: false,
      }),
    },
    ...readErrors,
  },
} as const;
export type LogEntriesQuery = FromSchema<typeof entries.querystring>;
export type LogEntries = FromSchema<(typeof entries.response)[200]>;

const tileResponse = {
  200: rawResponse('application/octet-stream', 'the tile (C2SP tlog-tiles)'),
  ...readErrors,
} as const;

/** GET …/log/tile/entries/* */
export const entryTile = {
  extraParams: { properties: { '*': TILE_REST }, required: ['*'] },
  querystring: noQuery,
  response: tileResponse,
} as const;

/** GET …/log/tile/:level/* */
export const hashTile = {
  extraParams: {
    properties: { level: { type: 'string', pattern: '^(0|[1-9][0-9]?)$' }, '*': TILE_REST },
    required: ['level', '*'],
  },
  querystring: noQuery,
  response: tileResponse,
} as const;

/** GET …/log/leaf/:hash */
export const leafIndex = {
  extraParams: { properties: { hash: HEX_HASH }, required: ['hash'] },
  querystring: noQuery,
  response: { 200: rawResponse('text/plain', 'the index of the entry (decimal)'), ...readErrors },
} as const;

/** GET …/log/proof/inclusion */
export const inclusionProof = {
  querystring: {
    type: 'object',
    properties: { hash: HEX_HASH, index: INTEGER, treeSize: INTEGER },
    additionalProperties: false,
  },
  response: {
    200: {
      description: 'the inclusion proof',
      type: 'object',
      required: ['leafIndex', 'treeSize', 'hashes'],
      properties: { leafIndex: { type: 'integer' }, treeSize: { type: 'integer' }, hashes },
      additionalProperties: false,
    },
    ...readErrors,
  },
} as const;
export type InclusionQuery = FromSchema<typeof inclusionProof.querystring>;
export type InclusionProof = FromSchema<(typeof inclusionProof.response)[200]>;

/** GET …/log/proof/consistency */
export const consistencyProof = {
  querystring: {
    type: 'object',
    required: ['from', 'to'],
    properties: { from: INTEGER, to: INTEGER },
    additionalProperties: false,
  },
  response: {
    200: {
      description: 'the consistency proof',
      type: 'object',
      required: ['from', 'to', 'hashes'],
      properties: { from: { type: 'integer' }, to: { type: 'integer' }, hashes },
      additionalProperties: false,
    },
    ...readErrors,
  },
} as const;
export type ConsistencyQuery = FromSchema<typeof consistencyProof.querystring>;
export type ConsistencyProof = FromSchema<(typeof consistencyProof.response)[200]>;

/** GET /v1/apps/:appId/log */
export const logIdentity = {
  params: appParams,
  querystring: noQuery,
  response: {
    200: {
      description: "the log's origin and C2SP verifier key (to pin in root as x-updraft-log)",
      type: 'object',
      required: ['origin', 'key'],
      properties: { origin: { type: 'string' }, key: { type: 'string' } },
      additionalProperties: false,
    },
    ...errorResponses(400, 401, 403, 404, 503),
  },
} as const;
export type LogIdentity = FromSchema<(typeof logIdentity.response)[200]>;

/** POST /v1/apps/:appId/log/cosignatures (a witness credential) */
export const addCosignatures = {
  params: appParams,
  body: {
    type: 'object',
    required: ['checkpoint'],
    properties: { checkpoint: { type: 'string', maxLength: 65536 } },
    additionalProperties: false,
  },
  response: {
    200: {
      description: 'the tree size the cosignatures are for, and how many were new',
      type: 'object',
      required: ['treeSize', 'added'],
      properties: { treeSize: { type: 'integer' }, added: { type: 'integer' } },
      additionalProperties: false,
    },
    ...errorResponses(400, 401, 403, 404, 503),
  },
} as const;
export type AddCosignaturesBody = FromSchema<typeof addCosignatures.body>;
export type CosignaturesAdded = FromSchema<(typeof addCosignatures.response)[200]>;
