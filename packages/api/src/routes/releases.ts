import type { FromSchema } from 'json-schema-to-ts';
import {
  adminWrite,
  adminRead,
  adminReadErrors,
  adminWriteErrors,
  appParams,
  basisPoints,
  dateTime,
  envelope,
  identifier,
  LIMIT_PATTERN,
  listOf,
  noQuery,
  notes,
  servedEnvelope,
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

const embeddedBundle = {
  type: 'object',
  required: ['platform', 'runtimeVersion', 'files', 'registeredAt'],
  properties: {
    platform: { type: 'string' },
    runtimeVersion: { type: 'string' },
    files: { type: 'array', items: embeddedFile },
    registeredAt: { type: 'string' },
  },
  additionalProperties: false,
} as const;
export type EmbeddedBundle = FromSchema<typeof embeddedBundle>;

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
  response: { 200: embeddedBundle, ...adminWriteErrors },
} as const;
export type RegisterEmbeddedBody = FromSchema<typeof registerEmbedded.body>;

/** GET /v1/apps/:appId/embedded/:platform/:runtimeVersion */
export const getEmbedded = adminRead(embeddedParams, embeddedBundle);

const missingList = listOf('missing', { type: 'string' });
export type MissingBlobs = FromSchema<typeof missingList>;

/** POST /v1/apps/:appId/blobs/missing */
export const missingBlobs = adminWrite(
  appParams,
  {
    type: 'object',
    required: ['sha256'],
    properties: { sha256: { type: 'array', items: sha256, maxItems: MAX_MISSING_QUERY } },
    additionalProperties: false,
  },
  missingList,
);
export type MissingBlobsBody = FromSchema<typeof missingBlobs.body>;

/** GET /v1/apps/:appId/releases-metadata */
export const releasesMetadata = {
  params: appParams,
  querystring: noQuery,
  response: {
    // The stored bytes as they are (the publisher signs the next version on top of exactly these).
    200: { ...servedEnvelope, description: 'the releases role envelope {signed, signatures}' },
    ...adminReadErrors,
  },
} as const;

/**
 * GET /v1/apps/:appId/releases-in-use: the releases the signed listing must keep (docs/protocol.md
 * §3.1 "What the listing keeps"): the current or previous release of any channel pointer and
 * every release a scheduled deployment names. A publisher drops from the next releases version
 * only releases not named here.
 */
export const releasesInUse = {
  params: appParams,
  querystring: noQuery,
  response: {
    200: {
      type: 'object',
      required: ['releaseIds'],
      properties: { releaseIds: { type: 'array', items: identifier } },
      additionalProperties: false,
    },
    ...adminReadErrors,
  },
} as const;
export type ReleasesInUse = FromSchema<(typeof releasesInUse.response)[200]>;

export const publishedRelease = {
  type: 'object',
  required: ['releaseId', 'versionCode', 'channel', 'platform', 'runtimeVersion', 'createdAt'],
  properties: {
    releaseId: { type: 'string' },
    versionCode: { type: 'integer' },
    channel: { type: 'string' },
    platform: { type: 'string' },
    runtimeVersion: { type: 'string' },
    createdAt: { type: 'string' },
  },
  additionalProperties: false,
} as const;
export type PublishedRelease = FromSchema<typeof publishedRelease>;

/** What a publish (or a rollback, which is a publish) answers: the release, and what its listing no longer has. */
const publishResult = {
  ...publishedRelease,
  required: [...publishedRelease.required, 'droppedReleases'],
  properties: {
    ...publishedRelease.properties,
    droppedReleases: {
      type: 'array',
      items: { type: 'string' },
      description:
        'releases the new signed listing no longer has (older than --keep-releases and in use nowhere): they cannot be promoted; a rollback to one lists it again',
    },
  },
} as const;
export type PublishResult = FromSchema<typeof publishResult>;

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
  response: { 201: publishResult, ...adminWriteErrors },
} as const;
export type PublishBody = FromSchema<typeof publish.body>;

/** A channel that serves a release: as its current release, or as the previous one outside a rollout. */
const releaseServing = {
  type: 'object',
  required: ['channel', 'platform', 'runtimeVersion', 'basisPoints', 'halted'],
  properties: {
    channel: { type: 'string' },
    platform: { type: 'string' },
    runtimeVersion: { type: 'string' },
    basisPoints: { type: 'integer' },
    halted: { type: 'boolean' },
  },
  additionalProperties: false,
} as const;

/** Whether the app's signed releases listing (its newest version) still has the release. */
export const listedProperty = {
  type: 'boolean',
  description:
    "the app's newest signed releases listing has it, so devices can verify it and it can be promoted; false: the listing dropped it (--keep-releases), and only a rollback to it (a new release with its files) serves it again",
} as const;

/** A row of the release list: the release and how it is served now (ReleaseListing of @updraft/protocol). */
const releaseListRow = {
  type: 'object',
  required: [...publishedRelease.required, 'state', 'channels', 'disabledAt', 'sizeBytes', 'files', 'listed'],
  properties: {
    ...publishedRelease.properties,
    listed: listedProperty,
    state: { type: 'string', enum: ['serving', 'rolling-out', 'halted', 'disabled', 'superseded'] },
    channels: { type: 'array', items: releaseServing },
    disabledAt: { type: ['string', 'null'] },
    sizeBytes: {
      type: ['integer', 'null'],
      description: 'total bytes of its files; null when its manifest cannot be read',
    },
    files: { type: ['integer', 'null'] },
  },
  additionalProperties: false,
} as const;
export type ReleaseListRow = FromSchema<typeof releaseListRow>;

const releaseList = listOf('releases', releaseListRow);
export type ReleaseList = FromSchema<typeof releaseList>;

/** GET /v1/apps/:appId/releases */
export const listReleases = {
  params: appParams,
  querystring: {
    type: 'object',
    properties: { channel: identifier, limit: { type: 'string', pattern: LIMIT_PATTERN } },
    additionalProperties: false,
  },
  response: { 200: releaseList, ...adminReadErrors },
} as const;
export type ListReleasesQuery = FromSchema<typeof listReleases.querystring>;
