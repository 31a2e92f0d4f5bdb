import type { FromSchema } from 'json-schema-to-ts';
import { channelWith } from './channels.js';
import {
  adminWrite,
  adminRead,
  adminReadErrors,
  adminWriteErrors,
  appParams,
  envelope,
  identifier,
  listOf,
  noQuery,
} from './common.js';

/** A public key as TUF metadata lists it. */
export const tufKey = {
  type: 'object',
  required: ['keytype', 'scheme', 'keyval'],
  properties: {
    keytype: { type: 'string' },
    scheme: { type: 'string' },
    keyval: {
      type: 'object',
      required: ['public'],
      properties: { public: { type: 'string' } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

const createdApp = {
  type: 'object',
  required: ['appId', 'onlineKeys', 'log'],
  properties: {
    appId: identifier,
    onlineKeys: {
      type: 'object',
      required: ['snapshot', 'timestamp', 'director'],
      properties: { snapshot: tufKey, timestamp: tufKey, director: tufKey },
      additionalProperties: false,
    },
    log: {
      type: 'object',
      description: "the app's transparency log: pin `key` in root (`x-updraft-log`)",
      required: ['origin', 'key'],
      properties: { origin: { type: 'string' }, key: { type: 'string' } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;
export type CreatedApp = FromSchema<typeof createdApp>;

/** POST /v1/apps (201 created; 200 when the app existed without trust: the same keys again) */
export const createApp = {
  body: { type: 'object', required: ['appId'], properties: { appId: identifier }, additionalProperties: false },
  response: { 200: createdApp, 201: createdApp, ...adminWriteErrors },
} as const;
export type CreateAppBody = FromSchema<typeof createApp.body>;

const appSummary = {
  type: 'object',
  required: ['appId', 'createdAt'],
  properties: { appId: identifier, createdAt: { type: 'string' } },
  additionalProperties: false,
} as const;
export type AppSummary = FromSchema<typeof appSummary>;

const appList = listOf('apps', appSummary);
export type AppList = FromSchema<typeof appList>;

/** GET /v1/apps */
export const listApps = { querystring: noQuery, response: { 200: appList, ...adminReadErrors } } as const;

const appDetails = {
  type: 'object',
  required: ['appId', 'createdAt', 'rootVersion', 'trustInitialized', 'channels'],
  properties: {
    appId: identifier,
    createdAt: { type: 'string' },
    rootVersion: { type: ['integer', 'null'] },
    trustInitialized: { type: 'boolean' },
    channels: {
      type: 'array',
      items: channelWith({
        type: 'object',
        required: ['platform', 'runtimeVersion', 'releaseId', 'basisPoints'],
        properties: {
          platform: { type: 'string' },
          runtimeVersion: { type: 'string' },
          releaseId: { type: 'string' },
          basisPoints: { type: 'integer' },
        },
        additionalProperties: false,
      }),
    },
  },
  additionalProperties: false,
} as const;
export type AppDetails = FromSchema<typeof appDetails>;

/** GET /v1/apps/:appId */
export const getApp = adminRead(appParams, appDetails);
export type AppParams = FromSchema<typeof appParams>;

const trustAccepted = {
  type: 'object',
  required: ['appId', 'rootVersion'],
  properties: { appId: identifier, rootVersion: { type: 'integer' } },
  additionalProperties: false,
} as const;
export type TrustAccepted = FromSchema<typeof trustAccepted>;

/** PUT /v1/apps/:appId/trust */
export const uploadTrust = adminWrite(
  appParams,
  {
    type: 'object',
    required: ['root', 'targets', 'releases'],
    properties: { root: envelope, targets: envelope, releases: envelope },
    additionalProperties: false,
  },
  trustAccepted,
);
export type UploadTrustBody = FromSchema<typeof uploadTrust.body>;
