import type { FromSchema } from 'json-schema-to-ts';
import {
  adminWrite,
  adminRead,
  adminReadErrors,
  adminWriteErrors,
  appParams,
  identifier,
  noQuery,
  releaseParams,
} from './common.js';

// Admin side of the Expo Updates compatibility layer (docs/guides/expo.md), under /v1. The publisher
// signs offline; the server stores the manifest and directive bytes and the signatures as sent.

const signature = { type: ['string', 'null'], minLength: 1, maxLength: 2048 } as const;
const keyId = { type: ['string', 'null'], minLength: 1, maxLength: 64 } as const;

const expoUpdate = {
  type: 'object',
  required: ['releaseId', 'updateId', 'platform', 'runtimeVersion', 'createdAt', 'signed', 'keyId', 'manifest'],
  properties: {
    releaseId: { type: 'string' },
    updateId: { type: 'string', description: "the manifest's id (a lowercase UUID)" },
    platform: { type: 'string' },
    runtimeVersion: { type: 'string' },
    createdAt: { type: 'string', description: "the manifest's createdAt" },
    signed: { type: 'boolean' },
    keyId: { type: ['string', 'null'] },
    manifest: { type: 'string', description: 'the manifest bytes (UTF-8 JSON text) the signature covers, as stored' },
  },
  additionalProperties: false,
} as const;
export type ExpoUpdate = FromSchema<typeof expoUpdate>;

/** GET /v1/apps/:appId/expo */
export const getStatus = {
  params: appParams,
  querystring: noQuery,
  response: {
    200: {
      description: 'whether the app publishes signed Expo updates, and under which key ids (newest first)',
      type: 'object',
      required: ['signed', 'keyIds'],
      properties: { signed: { type: 'boolean' }, keyIds: { type: 'array', items: { type: 'string' } } },
      additionalProperties: false,
    },
    ...adminReadErrors,
  },
} as const;
export type ExpoStatus = FromSchema<(typeof getStatus.response)[200]>;

/** PUT /v1/apps/:appId/expo/updates/:releaseId */
export const registerUpdate = adminWrite(
  releaseParams,
  {
    type: 'object',
    required: ['manifest', 'signature', 'keyId', 'noUpdateSignature'],
    properties: {
      manifest: { type: 'string', minLength: 2, maxLength: 8 * 1024 * 1024 },
      signature,
      keyId,
      noUpdateSignature: {
        ...signature,
        description: 'the signature of the constant noUpdateAvailable directive under the same key',
      },
    },
    additionalProperties: false,
  },
  { ...expoUpdate, description: 'the stored update' },
);
export type RegisterUpdateBody = FromSchema<typeof registerUpdate.body>;

/** GET /v1/apps/:appId/expo/updates/:releaseId */
export const getUpdate = adminRead(releaseParams, { ...expoUpdate, description: 'the update of the release' });

/** POST /v1/apps/:appId/expo/rollbacks */
export const rollBackToEmbedded = {
  params: appParams,
  body: {
    type: 'object',
    required: ['channel', 'platform', 'runtimeVersion', 'directive', 'signature', 'keyId'],
    properties: {
      channel: identifier,
      platform: { type: 'string', enum: ['ios', 'android'] },
      runtimeVersion: identifier,
      directive: { type: 'string', minLength: 2, maxLength: 1024 },
      signature,
      keyId,
    },
    additionalProperties: false,
  },
  response: {
    201: {
      description: "the directive is served from now on: its commitTime, as the directive's parameters hold it",
      type: 'object',
      required: ['commitTime'],
      properties: { commitTime: { type: 'string' } },
      additionalProperties: false,
    },
    ...adminWriteErrors,
  },
} as const;
export type RollBackToEmbeddedBody = FromSchema<typeof rollBackToEmbedded.body>;
export type RolledBack = FromSchema<(typeof rollBackToEmbedded.response)[201]>;
