import type { FromSchema } from 'json-schema-to-ts';
import {
  appParams,
  basisPoints,
  dateTime,
  envelope,
  identifier,
  LIMIT_PATTERN,
  noQuery,
  notes,
  sha256,
  targeting,
} from './common.js';

/** The most hashes one "which blobs are missing" query or embedded-bundle registration names. */
export const MAX_MISSING_QUERY = 20_000;

export const embeddedParams = {
  type: 'object',
  required: ['appId', 'platform', 'runtimeVersion'],
  properties: { appId: identifier, platform: identifier, runtimeVersion: identifier },
  additionalProperties: false,
} as const;
export type EmbeddedParams = FromSchema<typeof embeddedParams>;

const embeddedFile = {
  type: 'object',
  required: ['path', 'sha256', 'length'],
  properties: {
    path: { type: 'string', minLength: 1, maxLength: 1024 },
    sha256,
    length: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  },
  additionalProperties: false,
} as const;

/** PUT /v1/apps/:appId/embedded/:platform/:runtimeVersion */
export const registerEmbedded = {
  params: embeddedParams,
  querystring: noQuery,
  body: {
    type: 'object',
    required: ['files'],
    properties: { files: { type: 'array', items: embeddedFile, minItems: 1, maxItems: MAX_MISSING_QUERY } },
    additionalProperties: false,
  },
} as const;
export type RegisterEmbeddedBody = FromSchema<typeof registerEmbedded.body>;

/** GET /v1/apps/:appId/embedded/:platform/:runtimeVersion */
export const getEmbedded = { params: embeddedParams, querystring: noQuery } as const;

/** POST /v1/apps/:appId/blobs/missing */
export const missingBlobs = {
  params: appParams,
  body: {
    type: 'object',
    required: ['sha256'],
    properties: { sha256: { type: 'array', items: sha256, maxItems: MAX_MISSING_QUERY } },
    additionalProperties: false,
  },
} as const;
export type MissingBlobsBody = FromSchema<typeof missingBlobs.body>;

/** GET /v1/apps/:appId/releases-metadata */
export const releasesMetadata = { params: appParams, querystring: noQuery } as const;

/** POST /v1/apps/:appId/releases */
export const publish = {
  params: appParams,
  body: {
    type: 'object',
    required: ['releases', 'releaseId', 'channel'],
    properties: {
      releases: envelope,
      releaseId: identifier,
      channel: identifier,
      basisPoints,
      mandatory: { type: 'boolean' },
      targeting,
      notes,
      startAt: dateTime,
      createChannel: {
        type: 'boolean',
        description:
          'create the channel when the app has none of that name (needs release-manager+ with the channels scope); default false: an unknown channel is refused',
      },
    },
    additionalProperties: false,
  },
} as const;
export type PublishBody = FromSchema<typeof publish.body>;

/** GET /v1/apps/:appId/releases */
export const listReleases = {
  params: appParams,
  querystring: {
    type: 'object',
    properties: { channel: identifier, limit: { type: 'string', pattern: LIMIT_PATTERN } },
    additionalProperties: false,
  },
} as const;
export type ListReleasesQuery = FromSchema<typeof listReleases.querystring>;
