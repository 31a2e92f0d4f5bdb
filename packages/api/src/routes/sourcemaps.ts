import type { FromSchema } from 'json-schema-to-ts';
import { errorResponses, identifier, listOf, noQuery, rawResponse, releaseParams, sha256 } from './common.js';

/** A file name, not a path: what Metro and hermesc call a map (index.android.bundle.map). */
const mapName = { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]{0,123}\\.map$' } as const;

export const mapParams = {
  type: 'object',
  required: ['appId', 'releaseId', 'name'],
  properties: { appId: identifier, releaseId: identifier, name: mapName },
  additionalProperties: false,
} as const;
export type MapParams = FromSchema<typeof mapParams>;

const sourcemap = {
  type: 'object',
  required: ['name', 'sha256', 'length', 'uploadedAt'],
  properties: {
    name: { type: 'string' },
    sha256,
    length: { type: 'integer' },
    uploadedAt: { type: 'string', description: 'ISO 8601' },
  },
  additionalProperties: false,
} as const;
export type Sourcemap = FromSchema<typeof sourcemap>;

/** PUT /v1/apps/:appId/releases/:releaseId/sourcemaps/:name?sha256=…: the body is the map's raw bytes. */
export const uploadSourcemap = {
  params: mapParams,
  querystring: {
    type: 'object',
    required: ['sha256'],
    properties: { sha256 },
    additionalProperties: false,
  },
  response: {
    201: { ...sourcemap, description: 'kept beside the release' },
    ...errorResponses(400, 401, 403, 404, 409, 413, 503, 507),
  },
} as const;

/** GET /v1/apps/:appId/releases/:releaseId/sourcemaps */
export const listSourcemaps = {
  params: releaseParams,
  querystring: noQuery,
  response: {
    200: { description: "the release's source maps", ...listOf('sourcemaps', sourcemap) },
    ...errorResponses(400, 401, 403, 404, 503),
  },
} as const;
export type SourcemapList = FromSchema<(typeof listSourcemaps.response)[200]>;

/** GET /v1/apps/:appId/releases/:releaseId/sourcemaps/:name: the bytes as uploaded (X-Updraft-Sha256 names them) */
export const downloadSourcemap = {
  params: mapParams,
  querystring: noQuery,
  response: {
    200: rawResponse('application/json', 'the source map, byte for byte as uploaded'),
    ...errorResponses(400, 401, 403, 404, 503),
  },
} as const;
