import { METADATA_ROLES, ONLINE_ROLES } from '@updraft/protocol';
import type { FromSchema } from 'json-schema-to-ts';
import { tufKey } from './apps.js';
import {
  adminRead,
  adminReadErrors,
  adminWriteErrors,
  appParams,
  envelope,
  identifier,
  noQuery,
  servedEnvelope,
} from './common.js';

const onlineRole = { type: 'string', enum: ONLINE_ROLES } as const;

const onlineKey = {
  type: 'object',
  required: ['role', 'keyid', 'key'],
  properties: { role: onlineRole, keyid: { type: 'string' }, key: tufKey },
  additionalProperties: false,
} as const;
export type OnlineKey = FromSchema<typeof onlineKey>;

/** POST /v1/apps/:appId/online-keys */
export const createOnlineKey = {
  querystring: noQuery,
  params: appParams,
  body: { type: 'object', required: ['role'], properties: { role: onlineRole }, additionalProperties: false },
  response: { 201: onlineKey, ...adminWriteErrors },
} as const;
export type CreateOnlineKeyBody = FromSchema<typeof createOnlineKey.body>;

/** GET /v1/apps/:appId/metadata/:role */
export const latestMetadata = {
  querystring: noQuery,
  params: {
    type: 'object',
    required: ['appId', 'role'],
    properties: { appId: identifier, role: { type: 'string', enum: METADATA_ROLES } },
    additionalProperties: false,
  },
  response: {
    // The stored bytes as they are, as devices get them.
    200: { ...servedEnvelope, description: 'the role envelope {signed, signatures}' },
    ...adminReadErrors,
  },
} as const;

const metadataUpdated = {
  type: 'object',
  required: ['appId', 'rootVersion', 'targetsVersion', 'releasesVersion', 'activated'],
  properties: {
    appId: { type: 'string' },
    rootVersion: { type: 'integer' },
    targetsVersion: { type: 'integer' },
    releasesVersion: { type: 'integer' },
    activated: {
      type: 'array',
      description: 'online keys the server now signs with because the new metadata lists them',
      items: {
        type: 'object',
        required: ['role', 'keyid'],
        properties: { role: onlineRole, keyid: { type: 'string' } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;
export type MetadataUpdated = FromSchema<typeof metadataUpdated>;

/** POST /v1/apps/:appId/metadata */
export const uploadMetadata = {
  querystring: noQuery,
  params: appParams,
  body: {
    type: 'object',
    properties: { root: envelope, targets: envelope, releases: envelope },
    additionalProperties: false,
  },
  response: { 200: metadataUpdated, ...adminWriteErrors },
} as const;
export type UploadMetadataBody = FromSchema<typeof uploadMetadata.body>;

/** Seconds; the signing package enforces the same bounds (the server checks they agree when it loads). */
export const MIN_LIFETIME_S = 1;
export const MAX_LIFETIME_S = 10 * 365 * 24 * 3600;
const lifetime = { type: 'integer', minimum: MIN_LIFETIME_S, maximum: MAX_LIFETIME_S } as const;
const seconds = { type: 'integer' } as const;

/** The lifetimes of an app's metadata, in seconds, and how long before expiry to warn. */
const expiryPolicyProperties = {
  root: seconds,
  targets: seconds,
  releases: seconds,
  director: seconds,
  snapshot: seconds,
  timestamp: seconds,
  warnBefore: seconds,
} as const;

const expiryPolicy = {
  type: 'object',
  required: ['root', 'targets', 'releases', 'director', 'snapshot', 'timestamp', 'warnBefore'],
  properties: expiryPolicyProperties,
  additionalProperties: false,
} as const;
export type ExpiryPolicy = FromSchema<typeof expiryPolicy>;

/** GET /v1/apps/:appId/expiry */
export const getExpiry = adminRead(appParams, expiryPolicy);

const resignedRoles = { type: 'array', items: onlineRole } as const;

const expiryChanged = {
  ...expiryPolicy,
  required: [...expiryPolicy.required, 'resigned'],
  properties: { ...expiryPolicy.properties, resigned: resignedRoles },
} as const;
export type ExpiryChanged = FromSchema<typeof expiryChanged>;

/** PUT /v1/apps/:appId/expiry */
export const setExpiry = {
  params: appParams,
  querystring: noQuery,
  body: {
    type: 'object',
    properties: {
      root: lifetime,
      targets: lifetime,
      releases: lifetime,
      director: lifetime,
      snapshot: lifetime,
      timestamp: lifetime,
      warnBefore: lifetime,
    },
    additionalProperties: false,
  },
  response: { 200: expiryChanged, ...adminWriteErrors },
} as const;
export type SetExpiryBody = FromSchema<typeof setExpiry.body>;

const resigned = {
  type: 'object',
  required: ['resigned'],
  properties: { resigned: resignedRoles },
  additionalProperties: false,
} as const;
export type Resigned = FromSchema<typeof resigned>;

/** POST /v1/apps/:appId/resign */
export const resign = {
  querystring: noQuery,
  params: appParams,
  body: { type: 'object', properties: { force: { type: 'boolean' } }, additionalProperties: false },
  response: { 200: resigned, ...adminWriteErrors },
} as const;
export type ResignBody = FromSchema<typeof resign.body>;
